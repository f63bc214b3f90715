import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { beforeEach, describe, expect, it } from "vitest";
import { iamInventoryPort } from "../src/aws/iam-inventory.js";
import { openSession, type AwsSession } from "../src/aws/session.js";
import { runAudit } from "../src/audit/run.js";
import type { AuditKeyView } from "../src/domain/audit-report.js";
import { INVENTORY_PERMISSIONS } from "../src/inventory/ports.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, useEmulator } from "./emulator/harness.js";

// Blast radius and risk through the real SDK against the emulator: users, groups and policies made
// with IAM's own API, then one audit. The radius comes from the authorization details the inventory
// already reads, so the audit makes no call it did not make before, and none per key.

const emu = useEmulator();
let session: AwsSession;
const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

beforeEach(async () => {
  await emu.client.reset();
  session = await openSession({
    endpointUrl: emu.endpoint,
    region: "us-east-1",
    credentials: DUMMY_CREDENTIALS,
  });
});

async function audit(sort?: "risk") {
  const { report } = await runAudit({
    port: iamInventoryPort(session),
    apiCalls: () => session.counter.snapshot(),
    now: new Date(),
    thresholds: DEFAULT_THRESHOLDS,
    ...(sort ? { sort } : {}),
  });
  return report;
}

const keyOf = (keys: AuditKeyView[], user: string) => {
  const k = keys.find((x) => x.userName === user);
  if (!k) throw new Error(`no key for ${user}`);
  return k;
};

async function seed() {
  const iam = emu.iam();
  // admin: AWS managed AdministratorAccess, as the account returns it (keywarden ships no copy).
  await emu.createUser("admin", { console: true });
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: "admin",
      PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
    }),
  );
  await emu.createKey("admin", { createdDaysAgo: 400 });
  // ci: a customer managed policy that lets it pass any role and run instances.
  await emu.createUser("ci");
  const ciPolicy = await iam.send(
    new CreatePolicyCommand({
      PolicyName: "ci-deploy",
      PolicyDocument: doc([
        { Sid: "Deploy", Effect: "Allow", Action: ["iam:PassRole", "ec2:RunInstances"], Resource: "*" },
      ]),
    }),
  );
  await iam.send(new AttachUserPolicyCommand({ UserName: "ci", PolicyArn: ciPolicy.Policy?.Arn }));
  await emu.createKey("ci", {
    createdDaysAgo: 30,
    lastUsed: { daysAgo: 1, service: "ec2", region: "us-east-1" },
  });
  // reader: read-only through a group's inline policy.
  await emu.createUser("reader", { console: true, mfa: "virtual" });
  await iam.send(new CreateGroupCommand({ GroupName: "auditors" }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: "auditors",
      PolicyName: "describe",
      PolicyDocument: doc([{ Effect: "Allow", Action: ["ec2:Describe*", "iam:List*"], Resource: "*" }]),
    }),
  );
  await iam.send(new AddUserToGroupCommand({ GroupName: "auditors", UserName: "reader" }));
  await emu.createKey("reader", {
    createdDaysAgo: 10,
    lastUsed: { daysAgo: 1, service: "ec2", region: "us-east-1" },
  });
  // contractor: admin through a group, with a Deny on IAM in another group's managed policy.
  await emu.createUser("contractor");
  await iam.send(new CreateGroupCommand({ GroupName: "power" }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: "power",
      PolicyName: "all",
      PolicyDocument: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]),
    }),
  );
  const noIam = await iam.send(
    new CreatePolicyCommand({
      PolicyName: "no-iam",
      PolicyDocument: doc([{ Effect: "Deny", Action: "iam:*", Resource: "*" }]),
    }),
  );
  await iam.send(new AttachGroupPolicyCommand({ GroupName: "power", PolicyArn: noIam.Policy?.Arn }));
  await iam.send(new AddUserToGroupCommand({ GroupName: "power", UserName: "contractor" }));
  await emu.createKey("contractor", { createdDaysAgo: 100 });
  // idle: no policy at all.
  await emu.createUser("idle");
  await emu.createKey("idle", { createdDaysAgo: 5 });
  // secrets: an inline policy reading every secret, under an MFA condition.
  await emu.createUser("secrets");
  await iam.send(
    new PutUserPolicyCommand({
      UserName: "secrets",
      PolicyName: "read-secrets",
      PolicyDocument: doc([
        {
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: "*",
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
        },
      ]),
    }),
  );
  await emu.createKey("secrets", { createdDaysAgo: 60 });
}

describe("audit: blast radius and risk per key", () => {
  it("classes each key from its user's and groups' policies, naming the statements", async () => {
    await seed();
    const report = await audit();
    const admin = keyOf(report.keys, "admin");
    expect(admin.blastRadius?.classes[0]).toBe("administrator-equivalent");
    expect(admin.blastRadius?.grants).toContainEqual(
      expect.objectContaining({
        class: "administrator-equivalent",
        policy: "AdministratorAccess",
        statement: "#1",
      }),
    );
    const ci = keyOf(report.keys, "ci");
    expect(ci.blastRadius?.classes).toEqual(["can-escalate", "can-launch-compute"]);
    expect(ci.blastRadius?.grants).toContainEqual(
      expect.objectContaining({
        class: "can-escalate",
        via: "passrole-ec2",
        policy: "ci-deploy",
        statement: "Deploy",
      }),
    );
    expect(keyOf(report.keys, "reader").blastRadius?.classes).toEqual(["read-only"]);
    const contractor = keyOf(report.keys, "contractor");
    expect(contractor.blastRadius?.classes).not.toContain("administrator-equivalent");
    expect(contractor.blastRadius?.grants.every((g) => g.policy === "power/all")).toBe(true);
    expect(keyOf(report.keys, "idle").blastRadius?.classes).toEqual(["nothing"]);
    const secrets = keyOf(report.keys, "secrets");
    expect(secrets.blastRadius?.classes[0]).toBe("reads-secrets-or-data");
    expect(secrets.blastRadius?.conditional).toBe(true);
  });

  it("scores each key from factors that add up, and sorts by risk", async () => {
    await seed();
    const report = await audit("risk");
    const scores = report.keys.map((k) => k.risk?.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(report.keys[0]?.userName).toBe("admin");
    for (const k of report.keys) {
      const r = k.risk;
      expect(r).toBeDefined();
      if (!r) continue;
      expect(r.score).toBe(
        Math.min(
          100,
          r.factors.reduce((s, f) => s + f.points, 0),
        ),
      );
    }
    // admin: radius 40, age 400 days 15, never used 10, no MFA 5, a person (password) 5.
    expect(keyOf(report.keys, "admin").risk?.score).toBe(75);
    // idle: nothing 0, 5 days 0, never used 10, no MFA 5, service 0.
    expect(keyOf(report.keys, "idle").risk?.score).toBe(15);
  });

  it("makes no new AWS call, and none per key", async () => {
    await seed();
    const calls = (await audit()).stats.apiCalls;
    expect(calls.GetAccountAuthorizationDetails).toBe(1);
    const allowed = new Set(INVENTORY_PERMISSIONS.map((p) => p.split(":")[1]).concat("GetCallerIdentity"));
    expect(Object.keys(calls).filter((op) => !allowed.has(op))).toEqual([]);

    // Twice the users with keys and policies: only the per-user ListAccessKeys grows.
    const iam = emu.iam();
    for (let i = 0; i < 6; i++) {
      await emu.createUser(`extra-${i}`);
      await iam.send(
        new AttachUserPolicyCommand({
          UserName: `extra-${i}`,
          PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        }),
      );
      await emu.createKey(`extra-${i}`, { lastUsed: { daysAgo: 1, service: "s3", region: "us-east-1" } });
    }
    session = await openSession({
      endpointUrl: emu.endpoint,
      region: "us-east-1",
      credentials: DUMMY_CREDENTIALS,
    });
    const more = (await audit()).stats.apiCalls;
    const grew = Object.keys(more).filter((op) => (more[op] ?? 0) !== (calls[op] ?? 0));
    expect(grew.filter((op) => op !== "ListAccessKeys" && op !== "GetAccessKeyLastUsed")).toEqual([]);
    expect(more.ListAccessKeys).toBe((calls.ListAccessKeys ?? 0) + 6);
    expect(more.GetAccountAuthorizationDetails).toBe(1);
  });

  it("reads AWS managed policies from the account's details", async () => {
    await emu.createUser("ro");
    await emu
      .iam()
      .send(
        new AttachUserPolicyCommand({ UserName: "ro", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
      );
    await emu.createKey("ro");
    const ro = keyOf((await audit()).keys, "ro");
    expect(ro.blastRadius?.unreadablePolicies).toEqual([]);
    expect(ro.blastRadius?.classes).toContain("read-only");
    expect(ro.blastRadius?.classes).toContain("reads-secrets-or-data"); // s3:Get* on every bucket
    expect(ACCOUNT_ID).toBe("123456789012");
  });
});
