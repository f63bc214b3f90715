import {
  AttachUserPolicyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lookupPort, type Pacing } from "../src/aws/cloudtrail.js";
import { ec2RemediationPort } from "../src/aws/ec2-response.js";
import { FALLBACK_POLICY_NAME, iamRemediationPort, responseIamPort } from "../src/aws/iam-response.js";
import { regionalClients } from "../src/aws/regional.js";
import { openSession, type AwsSession } from "../src/aws/session.js";
import { lookupItemOf } from "../src/emulator/client.js";
import { respond, type RespondDeps } from "../src/response/respond.js";
import type { LookupPort, RemediationPort } from "../src/response/ports.js";
import type { IncidentReport } from "../src/response/types.js";
import { openStore } from "../src/store/open.js";
import {
  attackRecords,
  ATTACKER_IP,
  LEAK_TIME,
  type CloudTrailRecord,
} from "./fixtures/cloudtrail/attack.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

// keywarden respond as a library, on the emulator through the real SDK: containment before
// investigation, the fallback quarantine policy, paced LookupEvents, region routing, and
// --remediate removing what the key created.

const emu = useEmulator();
const QUARANTINE = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";

async function session(): Promise<AwsSession> {
  return openSession({ endpointUrl: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS }, {});
}

/** A fake clock for pacing: records each sleep instead of waiting. */
function fakePacing(): Pacing & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    intervalMs: 500,
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

async function victim(name: string): Promise<string> {
  await emu.createUser(name);
  return (await emu.createKey(name)).accessKeyId;
}

async function keyStatus(user: string, key: string): Promise<string | undefined> {
  const r = await emu.iam().send(new ListAccessKeysCommand({ UserName: user }));
  return r.AccessKeyMetadata?.find((k) => k.AccessKeyId === key)?.Status;
}

async function attachedTo(user: string): Promise<string[]> {
  const r = await emu.iam().send(new ListAttachedUserPoliciesCommand({ UserName: user }));
  return (r.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? "");
}

function deps(s: AwsSession, over: Partial<RespondDeps> = {}): RespondDeps & { saved: IncidentReport[] } {
  const clients = regionalClients(s, { endpointUrl: emu.endpoint });
  const saved: IncidentReport[] = [];
  return {
    iam: responseIamPort(s),
    lookup: lookupPort(s, clients, { pacing: fakePacing() }),
    now: () => new Date(),
    newIncidentId: () => `inc-test-${saved.length}`,
    log: () => undefined,
    save: (r) => {
      saved.push(structuredClone(r));
      return Promise.resolve();
    },
    confirm: () => Promise.resolve(true),
    saved,
    ...over,
  };
}

const baseOpts = {
  since: new Date(LEAK_TIME),
  logPaths: [],
  dryRun: false,
  remediate: false,
  regions: [REGION, "eu-west-1"],
};

describe("respond: containment first", () => {
  it("deactivates the key and attaches the quarantine policy before the first LookupEvents call", async () => {
    const key = await victim("leaky");
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "leaky" }).map(lookupItemOf),
    );
    const s = await session();
    const d = deps(s);
    const seenAtFirstLookup: { status?: string | undefined; policies: string[] }[] = [];
    let first = true;
    const watched: LookupPort = {
      regions: () => d.lookup.regions(),
      lookup: async (region, k, w) => {
        if (first) {
          first = false;
          seenAtFirstLookup.push({
            status: await keyStatus("leaky", key),
            policies: await attachedTo("leaky"),
          });
        }
        return d.lookup.lookup(region, k, w);
      },
    };
    const report = await respond({ ...baseOpts, accessKeyId: key }, { ...d, lookup: watched });

    expect(seenAtFirstLookup).toEqual([{ status: "Inactive", policies: [QUARANTINE] }]);
    expect(report.containment).toMatchObject({
      deactivated: true,
      quarantinePolicyArn: QUARANTINE,
      quarantineKind: "managed",
      keyStatusBefore: null,
    });
    // How fast containment is lives in `npm run bench`; what decides it is asserted above: the key
    // is inactive and the policy attached before the first CloudTrail lookup.
    expect(report.containment.secondsToContain).toBeGreaterThan(0);
    // Saved right after containment (no events yet), then complete.
    expect(d.saved.map((r) => r.events.length)).toEqual([0, 13]);
    expect(report).toMatchObject({
      schemaVersion: 1,
      accessKeyId: key,
      userName: "leaky",
      accountId: ACCOUNT_ID,
    });
    // Events from both regions: RunInstances happened in eu-west-1.
    expect(report.events.find((e) => e.eventName === "RunInstances")?.region).toBe("eu-west-1");
    expect(report.suspicious.every((e) => e.eventTime >= "2026-11-20")).toBe(true);
    expect(report.newSinceBaseline?.sourceIPs).toEqual([ATTACKER_IP]);
    expect(report.created.map((c) => c.type)).toContain("iam-user");
    expect(report.checklist.find((c) => c.id === "deactivate-key")?.status).toBe("done");
  });

  it("falls back to keywarden's own deny policy when the managed one is missing", async () => {
    const key = await victim("no-managed");
    await emu.client.seedCloudTrailEvents([]);
    const s = await openSession(
      {
        endpointUrl: emu.endpoint,
        region: REGION,
        credentials: DUMMY_CREDENTIALS,
        // An account or partition without AWSCompromisedKeyQuarantineV4/V3/V2 answers NoSuchEntity.
        configureClient: (client) => {
          if (!(client instanceof IAMClient)) return;
          const refuseManaged: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
            const input = args.input as { PolicyArn?: string };
            const managed = /:policy\/AWSCompromisedKeyQuarantineV\d$/.test(input.PolicyArn ?? "");
            if (context.commandName === "AttachUserPolicyCommand" && managed) {
              const err = Object.assign(
                new Error(`Policy ${input.PolicyArn ?? ""} does not exist or is not attachable.`),
                {
                  name: "NoSuchEntity",
                  $metadata: { httpStatusCode: 404 },
                },
              );
              return Promise.reject(err);
            }
            return next(args);
          };
          client.middlewareStack.add(refuseManaged, { step: "initialize", name: "noManagedQuarantine" });
        },
      },
      {},
    );
    const report = await respond({ ...baseOpts, accessKeyId: key }, deps(s));
    const fallback = `arn:aws:iam::${ACCOUNT_ID}:policy/keywarden/${FALLBACK_POLICY_NAME}`;
    expect(report.containment).toMatchObject({
      quarantinePolicyArn: fallback,
      quarantineKind: "fallback",
      deactivated: true,
    });
    expect(await attachedTo("no-managed")).toEqual([fallback]);
    expect(await keyStatus("no-managed", key)).toBe("Inactive");
  });

  it("quarantines the user of a key that is already inactive (setting Inactive again changes nothing)", async () => {
    const key = await victim("already-off");
    await emu
      .iam()
      .send(new UpdateAccessKeyCommand({ UserName: "already-off", AccessKeyId: key, Status: "Inactive" }));
    await emu.client.seedCloudTrailEvents([]);
    const report = await respond({ ...baseOpts, accessKeyId: key }, deps(await session()));
    // Containment does not read the status first (one call fewer before the key is inactive).
    expect(report.containment).toMatchObject({
      keyStatusBefore: null,
      deactivated: true,
      quarantinePolicyArn: QUARANTINE,
    });
    expect(await attachedTo("already-off")).toEqual([QUARANTINE]);
    expect(report.events).toEqual([]);
    expect(report.checklist.find((c) => c.id === "remove-created")?.status).toBe("done");
  });

  it("refuses a key of another account, and a key nobody holds, changing nothing", async () => {
    const s = await session();
    await expect(
      respond({ ...baseOpts, accessKeyId: "AKIAIOSFODNN7EXAMPLE" }, deps(s)),
    ).rejects.toMatchObject({
      exitCode: 7,
    });
    await expect(
      respond({ ...baseOpts, accessKeyId: "ASIAIOSFODNN7EXAMPLE" }, deps(s)),
    ).rejects.toMatchObject({ exitCode: 2 });
  });

  it("--dry-run plans containment, still investigates, and changes nothing", async () => {
    const key = await victim("dry");
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "dry" }).map(lookupItemOf),
    );
    const d = deps(await session());
    const report = await respond({ ...baseOpts, accessKeyId: key, dryRun: true }, d);
    expect(await keyStatus("dry", key)).toBe("Active");
    expect(await attachedTo("dry")).toEqual([]);
    expect(report.containment).toMatchObject({
      deactivated: false,
      quarantinePolicyArn: null,
      dryRun: true,
      secondsToContain: null,
    });
    expect(report.containment.planned[0]).toContain("update-access-key");
    expect(report.events).toHaveLength(13);
  });
});

describe("LookupEvents", () => {
  it("pages through every event of the key, paced per region, and each region answers its own", async () => {
    const key = await victim("busy");
    const many: CloudTrailRecord[] = Array.from({ length: 120 }, (_, i) => ({
      eventID: `busy-${i}`,
      eventTime: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
      eventName: "GetObject",
      eventSource: "s3.amazonaws.com",
      awsRegion: i % 4 === 0 ? "eu-west-1" : "us-east-1",
      userIdentity: { accessKeyId: key, userName: "busy" },
      sourceIPAddress: "198.51.100.1",
    }));
    await emu.client.seedCloudTrailEvents(many.map(lookupItemOf));
    const s = await session();
    const pacing = fakePacing();
    const port = lookupPort(s, regionalClients(s, { endpointUrl: emu.endpoint }), { pacing });
    const us = await port.lookup("us-east-1", key, {});
    expect(us).toHaveLength(90);
    expect(new Set(us.map((e) => e.region))).toEqual(new Set(["us-east-1"]));
    // 90 events = 2 pages: the second waited out the 500 ms interval.
    expect(pacing.slept).toEqual([500]);
    const eu = await port.lookup("eu-west-1", key, {});
    expect(eu).toHaveLength(30);
    expect(pacing.slept).toEqual([500]);
    const windowed = await port.lookup("us-east-1", key, { start: new Date(Date.UTC(2026, 10, 1, 1, 0)) });
    expect(windowed.every((e) => e.eventTime >= "2026-11-01T01:00:00.000Z")).toBe(true);
    expect(windowed.length).toBe(45);
    expect((await port.regions()).length).toBeGreaterThan(5);
  });
});

describe("a region that fails", () => {
  it("is reported and leaves the checklist open, while the other regions' events are kept", async () => {
    const key = await victim("partial");
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "partial" }).map(lookupItemOf),
    );
    const s = await session();
    const clients = regionalClients(s, {
      endpointUrl: emu.endpoint,
      configureClient: (c) => {
        if (!(c instanceof CloudTrailClient)) return;
        const denyEu: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
          if ((await c.config.region()) !== "eu-west-1") return next(args);
          throw Object.assign(new Error("not authorized to perform cloudtrail:LookupEvents"), {
            name: "AccessDeniedException",
            $metadata: {},
          });
        };
        c.middlewareStack.add(denyEu, { step: "initialize", name: "denyEu" });
      },
    });
    const report = await respond(
      { ...baseOpts, accessKeyId: key },
      deps(s, { lookup: lookupPort(s, clients, { pacing: fakePacing() }) }),
    );
    expect(report.sources.lookupFailures.map((f) => f.region)).toEqual(["eu-west-1"]);
    expect(report.sources.lookupFailures[0]?.error).toContain("cloudtrail:LookupEvents");
    expect(report.events).toHaveLength(11); // the two eu-west-1 events are missing, and said to be
    expect(report.containment.deactivated).toBe(true);
    const item = report.checklist.find((c) => c.id === "review-cloudtrail");
    expect(item?.status).toBe("open");
    expect(item?.detail).toContain("--regions eu-west-1");
  });
});

describe("regions", () => {
  it("falls back to the session's region, with a warning, when ec2:DescribeRegions is denied", async () => {
    const s = await session();
    const deny: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) =>
      context.commandName === "DescribeRegionsCommand"
        ? Promise.reject(
            Object.assign(new Error("not authorized"), { name: "UnauthorizedOperation", $metadata: {} }),
          )
        : next(args);
    const clients = regionalClients(s, {
      endpointUrl: emu.endpoint,
      configureClient: (c) => {
        if (c instanceof EC2Client)
          c.middlewareStack.add(deny, { step: "initialize", name: "denyDescribeRegions" });
      },
    });
    const warnings: string[] = [];
    const port = lookupPort(s, clients, { pacing: fakePacing(), warn: (w) => warnings.push(w) });
    expect(await port.regions()).toEqual([REGION]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("ec2:DescribeRegions");
  });
});

describe("--remediate", () => {
  it("removes the user, key, policy and password, the instance and the rule the key created; keeps the quarantine", async () => {
    const key = await victim("ops");
    const iam = emu.iam();
    await iam.send(new CreateUserCommand({ UserName: "support-backup" }));
    const backdoorKey = (await emu.createKey("support-backup")).accessKeyId;
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: "support-backup",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
    await iam.send(
      new CreateLoginProfileCommand({ UserName: "support-backup", Password: "Attacker-Passw0rd!" }),
    );
    const ec2 = new EC2Client({
      endpoint: emu.endpoint,
      region: "eu-west-1",
      credentials: DUMMY_CREDENTIALS,
    });
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12c6146b",
        MinCount: 1,
        MaxCount: 1,
        InstanceType: "t3.micro",
      }),
    );
    const instanceId = run.Instances?.[0]?.InstanceId ?? "";
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "open", Description: "open" }));
    const groupId = sg.GroupId ?? "";
    const rule = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const ruleId = rule.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? "";
    const records = attackRecords({
      accessKeyId: key,
      userName: "ops",
      backdoorUser: "support-backup",
      backdoorKeyId: backdoorKey,
      instanceId,
      groupId,
      ruleId,
    });
    await emu.client.seedCloudTrailEvents(records.map(lookupItemOf));

    const s = await session();
    const clients = regionalClients(s, { endpointUrl: emu.endpoint });
    const ports = [iamRemediationPort(s, "ops"), ec2RemediationPort(s, clients)];
    const remediation: RemediationPort = {
      supports: (r) => ports.some((p) => p.supports(r)),
      remove: (r) => {
        const port = ports.find((p) => p.supports(r));
        return port ? port.remove(r) : Promise.reject(new Error(`no port for ${r.type}`));
      },
    };
    const asked: string[] = [];
    const report = await respond(
      { ...baseOpts, accessKeyId: key, remediate: true },
      deps(s, { remediation, confirm: (q) => (asked.push(q), Promise.resolve(true)) }),
    );
    expect(asked).toHaveLength(1);
    const status = Object.fromEntries(report.created.map((c) => [c.type, c.remediation?.status]));
    expect(status).toMatchObject({
      "iam-user": "removed",
      "iam-access-key": "removed",
      "iam-user-policy-attachment": "removed",
      "iam-login-profile": "removed",
      "ec2-instance": "removed",
      "ec2-security-group-ingress-rule": "removed",
      "s3-bucket-policy": "skipped",
    });
    await expect(iam.send(new GetUserCommand({ UserName: "support-backup" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
    const inst = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    expect(inst.Reservations?.[0]?.Instances?.[0]?.State?.Name).toMatch(/shutting-down|terminated/);
    const rules = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }),
    );
    expect(rules.SecurityGroupRules?.some((r) => r.SecurityGroupRuleId === ruleId)).toBe(false);
    // The compromised user stays, quarantined, with its key inactive as evidence.
    expect(await attachedTo("ops")).toEqual([QUARANTINE]);
    expect(await keyStatus("ops", key)).toBe("Inactive");
    expect(report.checklist.find((c) => c.id === "remove-created")?.status).toBe("open"); // the bucket policy is for a person
  });

  it("removes nothing when the person says no", async () => {
    const key = await victim("ops2");
    await emu.iam().send(new CreateUserCommand({ UserName: "kept-backdoor" }));
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "ops2", backdoorUser: "kept-backdoor" }).map(lookupItemOf),
    );
    const s = await session();
    const report = await respond(
      { ...baseOpts, accessKeyId: key, remediate: true },
      deps(s, { remediation: iamRemediationPort(s, "ops2"), confirm: () => Promise.resolve(false) }),
    );
    expect(report.created.find((c) => c.type === "iam-user")?.remediation?.status).toBe("skipped");
    expect((await emu.iam().send(new GetUserCommand({ UserName: "kept-backdoor" }))).User?.UserName).toBe(
      "kept-backdoor",
    );
  });
});

describe("the stored incident", () => {
  it("goes into the real store as kind incident, subject the key, and holds no secret-shaped string", async () => {
    const key = await victim("stored");
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "stored" }).map(lookupItemOf),
    );
    const dir = await mkdtemp(join(tmpdir(), "kw-incident-"));
    const store = await openStore({ env: { KEYWARDEN_STORE: join(dir, "kw.db") } });
    try {
      const s = await session();
      const report = await respond(
        { ...baseOpts, accessKeyId: key },
        deps(s, {
          save: async (r) => {
            await store.putRecord({
              kind: "incident",
              id: r.incidentId,
              subject: r.accessKeyId,
              data: r as unknown as Record<string, unknown>,
            });
          },
        }),
      );
      const rec = await store.getRecord("incident", report.incidentId);
      expect(rec?.subject).toBe(key);
      expect((rec?.data as unknown as IncidentReport).events).toHaveLength(13);
      expect(JSON.stringify(rec?.data)).not.toContain("wJalrXUtnFEMI");
    } finally {
      await store.close();
    }
  });
});
