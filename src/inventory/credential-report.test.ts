import { describe, expect, it } from "vitest";
import { CredentialReportFormatError, parseCredentialReport, ROOT_USER } from "./credential-report.js";

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

describe("parseCredentialReport", () => {
  it("reads root and user rows, keeping only slots that hold a key", () => {
    const csv = [
      HEADER,
      "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,true,2021-03-04T05:06:07+00:00,2024-04-30T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
      "alice,arn:aws:iam::123456789012:user/people/alice,2022-02-02T00:00:00+00:00,true,no_information,N/A,N/A,false,false,2023-01-01T00:00:00+00:00,N/A,N/A,N/A,true,2024-01-01T12:00:00+00:00,2024-06-01T00:00:00+00:00,eu-west-1,ec2,false,N/A,false,N/A",
      "bob,arn:aws:iam::123456789012:user/bob,2022-02-02T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
      "",
    ].join("\n");
    const rows = parseCredentialReport(csv);
    expect(rows.map((r) => r.user)).toEqual([ROOT_USER, "alice", "bob"]);

    const [root, alice, bob] = rows;
    expect(root?.passwordEnabled).toBeNull();
    expect(root?.mfaActive).toBe(true);
    expect(root?.keys).toHaveLength(1);
    expect(root?.keys[0]?.lastUsedService).toBe("s3");

    expect(alice?.passwordEnabled).toBe(true);
    expect(alice?.passwordLastUsedAt).toBeNull(); // no_information
    expect(alice?.keys).toEqual([
      {
        slot: 1,
        active: false,
        lastRotatedAt: new Date("2023-01-01T00:00:00Z"),
        lastUsedAt: null,
        lastUsedRegion: null,
        lastUsedService: null,
      },
      {
        slot: 2,
        active: true,
        lastRotatedAt: new Date("2024-01-01T12:00:00Z"),
        lastUsedAt: new Date("2024-06-01T00:00:00Z"),
        lastUsedRegion: "eu-west-1",
        lastUsedService: "ec2",
      },
    ]);
    expect(bob?.keys).toEqual([]);
  });

  it("treats not_supported service columns (the emulator's) as unknown", () => {
    const row =
      "carol,arn:aws:iam::1:user/carol,2022-02-02T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2023-01-01T00:00:00+00:00,2023-02-01T00:00:00+00:00,not_supported,not_supported,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
    const [carol] = parseCredentialReport(`${HEADER}\r\n${row}\r\n`);
    expect(carol?.keys[0]?.lastUsedAt).toEqual(new Date("2023-02-01T00:00:00Z"));
    expect(carol?.keys[0]?.lastUsedService).toBeNull();
  });

  it("reads quoted fields", () => {
    const row =
      '"dan,the ""admin""",arn:aws:iam::1:user/dan,2022-02-02T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
    expect(parseCredentialReport(`${HEADER}\n${row}`)[0]?.user).toBe('dan,the "admin"');
  });

  it("rejects a report without the documented columns", () => {
    expect(() => parseCredentialReport("user,arn\nx,y")).toThrow(CredentialReportFormatError);
  });
});
