import { GetPolicyCommand, ListAttachedUserPoliciesCommand } from "@aws-sdk/client-iam";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { lookupPort, type Pacing } from "../src/aws/cloudtrail.js";
import { FALLBACK_POLICY_NAME, iamRemediationPort, responseIamPort } from "../src/aws/iam-response.js";
import { regionalClients } from "../src/aws/regional.js";
import { openSession, type AwsSession } from "../src/aws/session.js";
import { respond, type RespondDeps } from "../src/response/respond.js";
import type { IncidentReport } from "../src/response/types.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

// Containment attaches the newest AWS quarantine policy the account has: AWSCompromisedKeyQuarantineV4,
// else V3, else V2, else keywarden's own deny policy; the log line, the steps of the incident
// record and its containment say which. moto 5.2.1 has V2 and V3 but not V4: the launcher's
// /_test/iam/managed-policies adds V4 or takes versions away, per account, until the next reset.

const emu = useEmulator();
const V4 = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV4";
const V3 = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";
const V2 = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2";
const OWN = `arn:aws:iam::${ACCOUNT_ID}:policy/keywarden/${FALLBACK_POLICY_NAME}`;

/** The launcher's switch: which AWS managed quarantine policies the account has. */
async function managedPolicies(body: { add?: string[]; remove?: string[] }): Promise<string[]> {
  const r = await fetch(new URL("/_test/iam/managed-policies", emu.endpoint), {
    method: "POST",
    body: JSON.stringify(body),
  });
  const out = (await r.json()) as { quarantine_policies?: string[]; error?: string };
  if (!r.ok) throw new Error(out.error ?? `HTTP ${r.status}`);
  return out.quarantine_policies ?? [];
}

const NO_PACING: Pacing = { intervalMs: 0, now: () => 0, sleep: () => Promise.resolve() };

async function session(): Promise<AwsSession> {
  return openSession({ endpointUrl: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS }, {});
}

async function attachedTo(user: string): Promise<string[]> {
  const r = await emu.iam().send(new ListAttachedUserPoliciesCommand({ UserName: user }));
  return (r.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? "");
}

async function contain(
  user: string,
  dryRun = false,
): Promise<{ report: IncidentReport; log: string[]; calls: Record<string, number> }> {
  await emu.createUser(user);
  const key = await emu.createKey(user);
  const s = await session();
  const log: string[] = [];
  const deps: RespondDeps = {
    iam: responseIamPort(s),
    lookup: lookupPort(s, regionalClients(s), { pacing: NO_PACING }),
    remediation: (protectedUser) => iamRemediationPort(s, protectedUser),
    now: () => new Date(),
    newIncidentId: () => `inc-${user}`,
    log: (line) => log.push(line),
    save: () => Promise.resolve(),
    confirm: () => Promise.resolve(true),
  };
  const report = await respond(
    { accessKeyId: key.accessKeyId, since: null, logPaths: [], dryRun, remediate: false, regions: [REGION] },
    deps,
  );
  return { report, log, calls: s.counter.snapshot() };
}

beforeEach(async () => {
  await emu.client.reset(); // every test starts from moto's own set: V2 and V3, no V4
  await emu.client.seedCloudTrailEvents([]);
});

describe("the emulator's managed-policy switch", () => {
  it("moto has V3 and V2 but not V4; V4 can be added, and versions taken away", async () => {
    expect(await managedPolicies({})).toEqual([
      "AWSCompromisedKeyQuarantine",
      "AWSCompromisedKeyQuarantineV2",
      "AWSCompromisedKeyQuarantineV3",
    ]);
    expect(await managedPolicies({ add: ["AWSCompromisedKeyQuarantineV4"] })).toContain(
      "AWSCompromisedKeyQuarantineV4",
    );
    const v4 = await emu.iam().send(new GetPolicyCommand({ PolicyArn: V4 }));
    expect(v4.Policy?.PolicyName).toBe("AWSCompromisedKeyQuarantineV4");
    expect(await managedPolicies({ remove: ["AWSCompromisedKeyQuarantineV3"] })).not.toContain(
      "AWSCompromisedKeyQuarantineV3",
    );
    await expect(managedPolicies({ add: ["AdministratorAccessV9"] })).rejects.toThrow("unknown policy");
  });
});

describe("containment attaches the newest quarantine policy the account has", () => {
  it("V4 when the account has it (one AttachUserPolicy call)", async () => {
    await managedPolicies({ add: ["AWSCompromisedKeyQuarantineV4"] });
    const { report, log, calls } = await contain("with-v4");
    expect(report.containment).toMatchObject({ quarantinePolicyArn: V4, quarantineKind: "managed" });
    expect(calls.AttachUserPolicy).toBe(1);
    expect(await attachedTo("with-v4")).toEqual([V4]);
    expect(log.find((l) => l.startsWith("contained"))).toContain(
      "AWSCompromisedKeyQuarantineV4 attached to with-v4 (the newest AWS quarantine policy the account has)",
    );
    expect(report.steps.map((s) => s.what)).toContainEqual(expect.stringContaining(`: ${V4}`));
    expect(report.checklist.find((c) => c.id === "quarantine-policy")?.detail).toBe(
      `${V4} is attached to with-v4.`,
    );
  });

  it("V3 when the account lacks V4, and says so", async () => {
    const { report, log } = await contain("with-v3");
    expect(report.containment).toMatchObject({ quarantinePolicyArn: V3, quarantineKind: "managed" });
    expect(await attachedTo("with-v3")).toEqual([V3]);
    expect(log.find((l) => l.startsWith("contained"))).toContain(
      "AWSCompromisedKeyQuarantineV3 attached to with-v3 (the newest AWS quarantine policy the account has; it lacks AWSCompromisedKeyQuarantineV4)",
    );
  });

  it("V2 when the account lacks V4 and V3", async () => {
    await managedPolicies({ remove: ["AWSCompromisedKeyQuarantineV3"] });
    const { report } = await contain("with-v2");
    expect(report.containment).toMatchObject({ quarantinePolicyArn: V2, quarantineKind: "managed" });
    expect(await attachedTo("with-v2")).toEqual([V2]);
    expect(report.steps.map((s) => s.what).join("\n")).toContain(
      "it lacks AWSCompromisedKeyQuarantineV4, AWSCompromisedKeyQuarantineV3",
    );
  });

  it("keywarden's own deny policy when the account has none of them", async () => {
    await managedPolicies({ remove: ["AWSCompromisedKeyQuarantineV3", "AWSCompromisedKeyQuarantineV2"] });
    const { report, log } = await contain("with-none");
    expect(report.containment).toMatchObject({ quarantinePolicyArn: OWN, quarantineKind: "fallback" });
    expect(await attachedTo("with-none")).toEqual([OWN]);
    expect(log.find((l) => l.startsWith("contained"))).toContain(
      `keywarden's own deny policy ${FALLBACK_POLICY_NAME} attached to with-none (the account has none of AWSCompromisedKeyQuarantineV4, AWSCompromisedKeyQuarantineV3, AWSCompromisedKeyQuarantineV2)`,
    );
  });

  it("a dry run plans the newest one and attaches nothing", async () => {
    await managedPolicies({ add: ["AWSCompromisedKeyQuarantineV4"] });
    const withV4 = await contain("dry-v4", true);
    expect(withV4.report.containment.planned).toContainEqual(
      `aws iam attach-user-policy --user-name dry-v4 --policy-arn ${V4}`,
    );
    expect(await attachedTo("dry-v4")).toEqual([]);
    await managedPolicies({ remove: ["AWSCompromisedKeyQuarantineV4", "AWSCompromisedKeyQuarantineV3"] });
    const withV2 = await contain("dry-v2", true);
    expect(withV2.report.containment.planned).toContainEqual(
      `aws iam attach-user-policy --user-name dry-v2 --policy-arn ${V2}`,
    );
    expect(withV2.report.checklist.find((c) => c.id === "quarantine-policy")?.detail).toBe(
      `aws iam attach-user-policy --user-name dry-v2 --policy-arn ${V2}`,
    );
  });

  it("--remediate never detaches any version of the quarantine policy", async () => {
    const s = await session();
    const port = iamRemediationPort(s, "someone");
    for (const arn of [V4, V3, V2, "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine", OWN]) {
      expect(port.supports({ type: "iam-user-policy-attachment", id: `other/${arn}` } as never)).toBe(false);
    }
    expect(
      port.supports({
        type: "iam-user-policy-attachment",
        id: "other/arn:aws:iam::aws:policy/AdministratorAccess",
      } as never),
    ).toBe(true);
  });
});

describe("respond through the CLI", () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "keywarden-quarantine-"));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("names the attached version on stderr and in the stored incident", async () => {
    await managedPolicies({ add: ["AWSCompromisedKeyQuarantineV4"] });
    await emu.createUser("cli-v4");
    const key = await emu.createKey("cli-v4");
    const env = {
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      KEYWARDEN_HOME: home,
    };
    const r = await runCli(["respond", key.accessKeyId, "--yes", "--regions", REGION, "--format", "json"], {
      env,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("AWSCompromisedKeyQuarantineV4 attached to cli-v4");
    const report = JSON.parse(r.stdout) as IncidentReport;
    const stored = await runCli(["incidents", "report", report.incidentId, "--format", "json"], { env });
    const incident = JSON.parse(stored.stdout) as IncidentReport;
    expect(incident.containment).toMatchObject({ quarantinePolicyArn: V4, quarantineKind: "managed" });
    expect(incident.steps.map((s) => s.what).join("\n")).toContain(
      "AWSCompromisedKeyQuarantineV4 attached to cli-v4 (the newest AWS quarantine policy the account has)",
    );
  });
});
