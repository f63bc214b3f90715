import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import type { BuildMiddleware, MetadataBearer } from "@smithy/types";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startActionRecorder, type ActionRecorder } from "./helpers/action-recorder.js";
import { runCli } from "./helpers/cli.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

// `keywarden respond KEY --yes` through the real CLI, seen from a recording proxy in front of the
// emulator: which AWS calls are made before the key is inactive, in what order. How long that
// takes lives in `npm run bench -- --bench respond`; this asserts what decides it. (The timeouts
// are generous: after containment the blast radius reads moto's ~1,000 AWS managed policies.)

const emu = useEmulator();
let recorder: ActionRecorder | undefined;
afterEach(async () => {
  await recorder?.close();
  recorder = undefined;
});

async function leakedKey(user: string): Promise<string> {
  await emu.createUser(user);
  const r = await emu.iam().send(new CreateAccessKeyCommand({ UserName: user }));
  return r.AccessKey?.AccessKeyId ?? "";
}

/** The launcher's switch: whether the account has AWSCompromisedKeyQuarantineV4 (until the next reset). */
async function quarantineV4(has: boolean): Promise<void> {
  const r = await fetch(new URL("/_test/iam/managed-policies", emu.endpoint), {
    method: "POST",
    body: JSON.stringify(
      has ? { add: ["AWSCompromisedKeyQuarantineV4"] } : { remove: ["AWSCompromisedKeyQuarantineV4"] },
    ),
  });
  expect(r.ok).toBe(true);
}

async function respondThroughRecorder(
  key: string,
  extra: string[] = [],
): Promise<{ code: number | null; calls: string[] }> {
  recorder = await startActionRecorder(emu.endpoint);
  const r = await runCli(["respond", key, ...extra, "--yes", "--regions", "us-east-1", "--format", "json"], {
    env: {
      KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-contain-")),
      AWS_ENDPOINT_URL: recorder.url,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    },
  });
  expect(r.stderr).toContain("contained");
  return { code: r.code, calls: recorder.calls.map((c) => `${c.call} ${c.status}`) };
}

describe("respond: the calls before the key is inactive", () => {
  it("makes the four calls containment needs, then everything else (blast radius, lookup)", async () => {
    await quarantineV4(true);
    const key = await leakedKey("contain-floor");
    const { code, calls } = await respondThroughRecorder(key);
    expect(code).toBe(0);
    const attach = calls.indexOf("iam:AttachUserPolicy 200");
    expect(attach).toBe(3);
    // The key's account and its user are asked at once (either may answer first).
    expect([...calls.slice(0, 2)].sort()).toEqual([
      "iam:GetAccessKeyLastUsed 200",
      "sts:GetAccessKeyInfo 200",
    ]);
    expect(calls.slice(2, 4)).toEqual(["iam:UpdateAccessKey 200", "iam:AttachUserPolicy 200"]);
    // The blast radius and the investigation come after containment, never before.
    const after = calls.slice(4);
    expect(after).toContain("iam:GetAccountAuthorizationDetails 200");
    expect(after).toContain("cloudtrail:LookupEvents 200");
    expect(calls.filter((c) => c.startsWith("sts:GetCallerIdentity"))).toEqual([]);
    const keys = await emu.iam().send(new ListAccessKeysCommand({ UserName: "contain-floor" }));
    expect(keys.AccessKeyMetadata?.[0]?.Status).toBe("Inactive");
  }, 180_000);

  it("an account without V4 costs one refused attach (V4) before V3, nothing more", async () => {
    await quarantineV4(false);
    const key = await leakedKey("contain-v3");
    const { code, calls } = await respondThroughRecorder(key);
    expect(code).toBe(0);
    expect(calls.slice(2, 5)).toEqual([
      "iam:UpdateAccessKey 200",
      "iam:AttachUserPolicy 404",
      "iam:AttachUserPolicy 200",
    ]);
    expect(calls.slice(5)).toContain("iam:GetAccountAuthorizationDetails 200");
  }, 180_000);

  it("a key of another account: nothing is changed, the caller's account is asked only then", async () => {
    recorder = await startActionRecorder(emu.endpoint);
    const r = await runCli(["respond", "AKIAIOSFODNN7EXAMPLE", "--yes", "--regions", "us-east-1"], {
      env: {
        KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-contain-")),
        AWS_ENDPOINT_URL: recorder.url,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: "us-east-1",
      },
    });
    expect(r.code).toBe(7);
    const calls = recorder.calls.map((c) => c.call);
    expect(calls).toContain("sts:GetCallerIdentity");
    expect(calls.filter((c) => c === "iam:UpdateAccessKey" || c === "iam:AttachUserPolicy")).toEqual([]);
  }, 180_000);

  it("--org, a member account's key: its account, the caller's, membership and the role, then the same containment", async () => {
    await quarantineV4(true);
    const org = new OrganizationsClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: DUMMY_CREDENTIALS,
    });
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    await org.send(new CreateAccountCommand({ AccountName: "contain-member", Email: "cm@example.com" }));
    let member = "";
    for await (const page of paginateListAccounts({ client: org }, {}))
      for (const a of page.Accounts ?? []) if (a.Name === "contain-member") member = a.Id ?? "";
    // The member's IAM (moto's x-moto-account-id header).
    const iam = new IAMClient({ endpoint: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS });
    const header: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-moto-account-id"] = member;
      return next(args);
    };
    iam.middlewareStack.add(header, { step: "build", name: "motoAccountId" });
    await iam.send(new CreateUserCommand({ UserName: "contain-org" }));
    const key =
      (await iam.send(new CreateAccessKeyCommand({ UserName: "contain-org" }))).AccessKey?.AccessKeyId ?? "";
    const { code, calls } = await respondThroughRecorder(key, ["--org"]);
    expect(code).toBe(0);
    expect([...calls.slice(0, 2)].sort()).toEqual(["sts:GetAccessKeyInfo 200", "sts:GetCallerIdentity 200"]);
    // Then membership and the role; then containment as above, without asking the key's account again.
    expect(calls.slice(2, 6)).toEqual([
      "organizations:DescribeAccount 200",
      "sts:AssumeRole 200",
      "iam:GetAccessKeyLastUsed 200",
      "iam:UpdateAccessKey 200",
    ]);
    // The launcher's V4 switch is the default account's: the member may answer V4 with 404, then V3.
    expect(calls[6]).toMatch(/^iam:AttachUserPolicy /);
    const after = calls.slice(7);
    expect(after).toContain("iam:GetAccountAuthorizationDetails 200");
    expect(after).toContain("cloudtrail:LookupEvents 200");
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "contain-org" }));
    expect(keys.AccessKeyMetadata?.[0]?.Status).toBe("Inactive");
  }, 180_000);
});
