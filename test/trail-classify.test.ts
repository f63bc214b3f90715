import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyEvent } from "../src/response/classify.js";
import { duckDbLogReader } from "../src/response/logs.js";
import { createdResources } from "../src/response/sweep.js";
import type { IncidentReport } from "../src/response/types.js";
import { BACKDOOR_USER, GROUP, INSTANCE, persistenceRecords } from "./fixtures/cloudtrail/persistence.js";
import { writeRecordsAs } from "./fixtures/cloudtrail/shapes.js";
import { useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

// Persistence through an instance's user data (stop, replace the boot script, start) and through
// an IAM group (create it, give it policies, put the backdoor user in it): suspicious, and listed
// among what the key created with the command that undoes each. The records come as Stratus Red
// Team publishes its detonations (a top-level array) and as Elastic's CloudTrail pipeline indexes
// them (ECS, one document per line).

const emu = useEmulator();

async function folder(key: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "kw-persist-"));
  const records = persistenceRecords(key);
  await writeRecordsAs(root, "stratus-array", records.slice(0, 4));
  await writeRecordsAs(root, "elastic-ecs-ndjson", records.slice(4));
  return root;
}

describe("classification of persistence paths", () => {
  it("ModifyInstanceAttribute is suspicious when it replaces user data, in either form CloudTrail logs", () => {
    expect(
      classifyEvent("ModifyInstanceAttribute", "ec2.amazonaws.com", {
        instanceId: INSTANCE,
        userData: "<sensitiveDataRemoved>",
      }),
    ).toBe("compute");
    expect(
      classifyEvent("ModifyInstanceAttribute", "ec2.amazonaws.com", {
        instanceId: INSTANCE,
        attribute: "userData",
        value: "<sensitiveDataRemoved>",
      }),
    ).toBe("compute");
    expect(
      classifyEvent("ModifyInstanceAttribute", "ec2.amazonaws.com", {
        instanceId: INSTANCE,
        instanceType: { value: "t3.large" },
      }),
    ).toBe("other");
    expect(classifyEvent("StopInstances", "ec2.amazonaws.com")).toBe("compute");
  });

  it("the --logs path classifies them and lists what they created, from Stratus and Elastic files", async () => {
    const key = "AKIAIOSFODNN7EXAMPLE";
    const r = await duckDbLogReader().read([await folder(key)], key, null);
    expect(r.events).toHaveLength(8);
    expect(
      r.events.map((e) => [e.eventName, classifyEvent(e.eventName, e.eventSource, e.requestParameters)]),
    ).toEqual([
      ["StopInstances", "compute"],
      ["ModifyInstanceAttribute", "compute"],
      ["ModifyInstanceAttribute", "other"],
      ["StartInstances", "compute"],
      ["CreateGroup", "iam-persistence"],
      ["PutGroupPolicy", "iam-persistence"],
      ["AttachGroupPolicy", "iam-persistence"],
      ["AddUserToGroup", "iam-persistence"],
    ]);
    expect(createdResources(r.events).map((c) => [c.type, c.id, c.removeCommand])).toEqual([
      [
        "ec2-instance-user-data",
        INSTANCE,
        expect.stringMatching(
          new RegExp(
            `^aws ec2 describe-instance-attribute --region us-east-1 --instance-id ${INSTANCE} --attribute userData  # review`,
          ),
        ),
      ],
      [
        "iam-group",
        GROUP,
        expect.stringMatching(
          new RegExp(`^aws iam delete-group --group-name ${GROUP}  # after removing its users`),
        ),
      ],
      [
        "iam-group-inline-policy",
        `${GROUP}/inline-admin`,
        `aws iam delete-group-policy --group-name ${GROUP} --policy-name inline-admin`,
      ],
      [
        "iam-group-policy-attachment",
        `${GROUP}/arn:aws:iam::aws:policy/AdministratorAccess`,
        `aws iam detach-group-policy --group-name ${GROUP} --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`,
      ],
      [
        "iam-group-membership",
        `${GROUP}/${BACKDOOR_USER}`,
        `aws iam remove-user-from-group --group-name ${GROUP} --user-name ${BACKDOOR_USER}`,
      ],
    ]);
  });

  it("respond --logs reports them as suspicious and created; --remediate would remove the group's policies and members", async () => {
    await emu.createUser("ci-deployer");
    const key = (await emu.createKey("ci-deployer")).accessKeyId;
    const env = {
      KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-persist-home-")),
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    };
    const logs = await folder(key);
    const r = await runCli(
      ["respond", key, "--dry-run", "--remediate", "--no-lookup", "--logs", logs, "--format", "json"],
      { env },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.suspicious.map((s) => [s.eventName, s.category])).toEqual([
      ["StopInstances", "compute"],
      ["ModifyInstanceAttribute", "compute"],
      ["StartInstances", "compute"],
      ["CreateGroup", "iam-persistence"],
      ["PutGroupPolicy", "iam-persistence"],
      ["AttachGroupPolicy", "iam-persistence"],
      ["AddUserToGroup", "iam-persistence"],
    ]);
    expect(report.categories).toMatchObject({ compute: 3, "iam-persistence": 4, other: 1 });
    const remediation = Object.fromEntries(report.created.map((c) => [c.type, c.remediation?.detail]));
    expect(remediation).toEqual({
      "ec2-instance-user-data": "not removed automatically; run its command after review",
      "iam-group": "not removed automatically; run its command after review",
      "iam-group-inline-policy": "dry run: would remove",
      "iam-group-policy-attachment": "dry run: would remove",
      "iam-group-membership": "dry run: would remove",
    });
    const md = await runCli(
      ["respond", key, "--dry-run", "--no-lookup", "--logs", logs, "--format", "markdown"],
      { env },
    );
    expect(md.stdout).toContain(`| iam-group | ${GROUP} |`);
    expect(md.stdout).toMatch(
      /\| 2026-11-20T04:01:00\.000Z \| Compute \| ModifyInstanceAttribute \| us-east-1 \|/,
    );
  });
});
