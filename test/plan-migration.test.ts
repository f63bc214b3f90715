import { AttachUserPolicyCommand } from "@aws-sdk/client-iam";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { lookupItemOf } from "../src/emulator/client.js";
import type { MigrationPlan } from "../src/migration/types.js";
import { migrationRecords } from "./fixtures/cloudtrail/migration.js";
import { runCli } from "./helpers/cli.js";
import { useEmulator } from "./emulator/harness.js";

// keywarden plan-migration through the real CLI, on the emulator: LookupEvents answered from
// seeded CloudTrail records (a GitHub Actions deploy key, a worker on EC2), and --logs files (a
// person's laptop key, planned with --user).

const emu = useEmulator();
const SLOW = 180_000;

function env(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

async function keyOf(
  user: string,
  admin = false,
  opts: Parameters<typeof emu.createUser>[1] = {},
): Promise<string> {
  await emu.createUser(user, opts);
  if (admin) {
    await emu.iam().send(
      new AttachUserPolicyCommand({
        UserName: user,
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
  }
  return (await emu.createKey(user)).accessKeyId;
}

describe("keywarden plan-migration", () => {
  let github = "";
  let worker = "";

  it(
    "plans an OIDC role for a GitHub Actions key: trust policy, observed policy, blast radius before and after",
    async () => {
      github = await keyOf("gh-deploy", true);
      worker = await keyOf("orders-worker");
      await emu.client.seedCloudTrailEvents(
        [
          ...migrationRecords({ accessKeyId: github, userName: "gh-deploy" }, "github"),
          ...migrationRecords({ accessKeyId: worker, userName: "orders-worker" }, "ec2"),
        ].map(lookupItemOf),
      );
      const r = await runCli(
        [
          "plan-migration",
          github,
          "--regions",
          "us-east-1,eu-west-1",
          "--repo",
          "octo-org/site",
          "--branch",
          "main",
        ],
        { env: env() },
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      // Piped: JSON by default.
      const plan = JSON.parse(r.stdout) as MigrationPlan;
      expect(plan.replacement).toMatchObject({ kind: "oidc-github", confidence: "high" });
      expect(plan.replacement.summary).toMatch(/configure-aws-credentials-for-github-actions/);
      expect(plan.evidence.owner.userName).toBe("gh-deploy");
      expect(plan.evidence.trail?.sourceIPs.map((s) => s.value).sort()).toEqual([
        "20.42.11.7",
        "52.176.3.90",
      ]);
      expect(plan.trust?.trustPolicy?.Statement[0]?.Condition?.StringEquals).toEqual({
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:octo-org/site:ref:refs/heads/main",
      });
      // The actions it used, on the bucket it used; the refused secret read is not granted.
      expect(plan.leastPrivilege.policy?.Statement.map((s) => [s.Action, s.Resource])).toEqual([
        ["cloudfront:CreateInvalidation", "*"],
        ["s3:ListBucket", "arn:aws:s3:::www-example-site"],
        ["s3:PutObject", "arn:aws:s3:::www-example-site/*"],
      ]);
      expect(plan.leastPrivilege.notes.join(" ")).toMatch(/Not granted: secretsmanager:GetSecretValue/);
      expect(plan.blastRadius?.now?.classes[0]).toBe("administrator-equivalent");
      expect(plan.blastRadius?.planned).toEqual(["limited-write"]);
      // The cut-over uses keywarden's own watch, and deactivates before deleting.
      const commands = plan.steps.flatMap((s) => s.commands);
      const at = (re: RegExp) => commands.findIndex((c) => re.test(c));
      expect(
        at(/create-open-id-connect-provider --url https:\/\/token\.actions\.githubusercontent\.com/),
      ).toBeGreaterThan(-1);
      expect(at(new RegExp(`keywarden trail ${github} --since 7d`))).toBeLessThan(
        at(/update-access-key .*--status Inactive/),
      );
      expect(at(/update-access-key .*--status Inactive/)).toBeLessThan(at(/delete-access-key/));
      expect(commands[0]).toBe(
        `keywarden plan-migration ${github} --repo octo-org/site --branch main --regions us-east-1,eu-west-1 --kind oidc-github --format json -o plan.json`,
      );
    },
    SLOW,
  );

  it(
    "plans an instance profile for a worker reaching AWS through a VPC endpoint (text, written with -o)",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "kw-plan-"));
      const out = join(dir, "plan.txt");
      const r = await runCli(
        ["plan-migration", worker, "--regions", "us-east-1,eu-west-1", "--format", "text", "-o", out],
        {
          env: env(),
        },
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("");
      const text = await readFile(out, "utf8");
      expect(text).toContain("instance-profile: an EC2 instance profile");
      expect(text).toMatch(/through VPC endpoint vpce-0a1b2c3d4e5f67890/);
      expect(text).toMatch(/"Service": "ec2.amazonaws.com"/);
      expect(text).toContain("arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
      expect(text).toContain("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf");
      expect(text).toContain("arn:aws:sqs:eu-west-1:123456789012:orders-queue");
      // HeadObject is authorized by s3:GetObject, on the bucket's objects.
      expect(text).toMatch(
        /s3:GetObject\s+1\s+0\s+arn:aws:s3:::orders-archive\/\*\s+HeadObject is authorized by s3:GetObject/,
      );
      expect(text).toContain(
        "aws iam add-role-to-instance-profile --instance-profile-name orders-worker-role --role-name orders-worker-role",
      );
      expect(text).toContain("aws ec2 associate-iam-instance-profile --region eu-west-1");
    },
    SLOW,
  );

  it(
    "plans Identity Center for a person's key read from --logs files, for every key of the user (--user)",
    async () => {
      const laptop = await keyOf("jane.doe", false, { console: true, mfa: "virtual" });
      const root = await mkdtemp(join(tmpdir(), "kw-plan-logs-"));
      const folder = join(root, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2026", "11", "20");
      await mkdir(folder, { recursive: true });
      await writeFile(
        join(folder, "a.json.gz"),
        gzipSync(
          JSON.stringify({
            Records: migrationRecords({ accessKeyId: laptop, userName: "jane.doe" }, "laptop"),
          }),
        ),
      );
      const r = await runCli(
        ["plan-migration", "--user", "jane.doe", "--no-lookup", "--logs", root, "--format", "json"],
        {
          env: env(),
        },
      );
      expect(r.code).toBe(0);
      const body = JSON.parse(r.stdout) as { userName: string; plans: MigrationPlan[] };
      expect(body.userName).toBe("jane.doe");
      expect(body.plans).toHaveLength(1);
      const plan = body.plans[0] as MigrationPlan;
      expect(plan.evidence.trail).toMatchObject({ events: 2, sources: { logFiles: 1, lookupRegions: [] } });
      expect(plan.evidence.owner).toMatchObject({ console: true, mfa: true });
      expect(plan.replacement.kind).toBe("identity-center");
      expect(plan.replacement.summary).toMatch(/person's workstation/);
      expect(plan.trust?.trustPolicy).toBeNull();
      expect(plan.leastPrivilege.policy?.Statement.map((s) => s.Action)).toEqual([
        "ec2:DescribeInstances",
        "s3:ListAllMyBuckets",
      ]);
      expect(plan.steps.flatMap((s) => s.commands).join("\n")).toMatch(/aws sso-admin create-permission-set/);
    },
    SLOW,
  );

  it(
    "answers a bad key id, an unknown key and a missing --logs path in one line each, with stable exit codes",
    async () => {
      const bad = await runCli(["plan-migration", "AKIA123"], { env: env() });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^keywarden: "AKIA123" is not an access key id\. Pass .*\n$/);
      const unknown = await runCli(["plan-migration", "AKIAZZZZZZZZZZZZZZZZ", "--regions", "us-east-1"], {
        env: env(),
      });
      expect(unknown.code).toBe(7);
      expect(unknown.stderr).toMatch(
        /^keywarden: no IAM user in account 123456789012 holds AKIA\*+ZZZZ .*\n$/,
      );
      const missing = await runCli(["plan-migration", github, "--logs", "/nonexistent/trail"], {
        env: env(),
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(
        "keywarden: --logs /nonexistent/trail: no such file or folder. Pass a folder of CloudTrail .json.gz files, or the files themselves.\n",
      );
    },
    SLOW,
  );

  it(
    "is listed in `keywarden permissions` with read-only actions",
    async () => {
      const r = await runCli(["permissions", "plan-migration"]);
      expect(r.code).toBe(0);
      const policy = JSON.parse(r.stdout) as { Statement: { Sid: string; Action: string[] }[] };
      expect(policy.Statement[0]?.Sid).toBe("KeywardenPlanMigration");
      expect(policy.Statement[0]?.Action).toContain("cloudtrail:LookupEvents");
      expect(policy.Statement[0]?.Action).toContain("iam:GetAccessKeyLastUsed");
      // Read-only: no action that writes.
      expect(policy.Statement[0]?.Action.filter((a) => !/:(Get|List|Describe|Lookup)/.test(a))).toEqual([]);
    },
    SLOW,
  );
});
