import { DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { ListUsersCommand } from "@aws-sdk/client-iam";
import {
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import { DescribeParametersCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { FinalizeRequestMiddleware, MetadataBearer } from "@smithy/types";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { service, type SdkClient } from "../src/aws/clients.js";
import { envSuffix, servicesKey } from "../src/aws/endpoints.js";
import { lookupPort } from "../src/aws/cloudtrail.js";
import { CLOUDTRAIL, EC2, regionalClients } from "../src/aws/regional.js";
import { openSession, type AwsSession, type AwsTarget } from "../src/aws/session.js";
import { SNS } from "../src/aws/sns.js";
import { CredentialsError, UsageError } from "../src/domain/errors.js";
import { lookupItemOf } from "../src/emulator/client.js";
import type { IncidentReport } from "../src/response/types.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { deadUrl, startRecorder, type Recorder } from "./endpoints-recorder.js";
import { attackRecords } from "./fixtures/cloudtrail/attack.js";
import { awsFiles as cliFiles, runCli } from "./helpers/cli.js";

// Every service client resolves its endpoint the way the AWS CLI does (AWS SDKs and Tools reference
// guide, "Service-specific endpoints"; botocore ConfiguredEndpointProvider), highest first:
// --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section,
// the profile's endpoint_url; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls
// turn off all but the first. Each way is configured alone, pointing at a recording proxy in front
// of the emulator; a real SDK call must succeed and the proxy must have seen it.

const emu = useEmulator();

interface Svc {
  /** The SDK's serviceId. */
  id: string;
  /** SigV4 signing name, as the recorder sees it. */
  signing: string;
  /** From the reference guide's table "Identifiers for service-specific endpoints". */
  env: string;
  key: string;
  call(s: AwsSession): Promise<unknown>;
}

/** Makes a client of `spec` from the session, sends one command, and destroys it. */
async function once<C extends SdkClient & { send(cmd: never): Promise<unknown> }>(
  client: C,
  send: (c: C) => Promise<unknown>,
): Promise<unknown> {
  try {
    return await send(client);
  } finally {
    client.destroy();
  }
}

const SERVICES: Svc[] = [
  {
    id: "IAM",
    signing: "iam",
    env: "AWS_ENDPOINT_URL_IAM",
    key: "iam",
    call: (s) => s.iam().send(new ListUsersCommand({})),
  },
  {
    id: "STS",
    signing: "sts",
    env: "AWS_ENDPOINT_URL_STS",
    key: "sts",
    call: (s) => s.sts().send(new GetCallerIdentityCommand({})),
  },
  {
    id: "Secrets Manager",
    signing: "secretsmanager",
    env: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    key: "secrets_manager",
    call: (s) => s.secretsManager().send(new ListSecretsCommand({})),
  },
  {
    id: "SSM",
    signing: "ssm",
    env: "AWS_ENDPOINT_URL_SSM",
    key: "ssm",
    call: (s) => s.ssm().send(new DescribeParametersCommand({})),
  },
  {
    id: "Organizations",
    signing: "organizations",
    env: "AWS_ENDPOINT_URL_ORGANIZATIONS",
    key: "organizations",
    call: (s) => s.organizations().send(new DescribeOrganizationCommand({})),
  },
  {
    id: "SNS",
    signing: "sns",
    env: "AWS_ENDPOINT_URL_SNS",
    key: "sns",
    call: (s) => once(s.client(SNS), (c) => c.send(new ListTopicsCommand({}))),
  },
  {
    id: "CloudTrail",
    signing: "cloudtrail",
    env: "AWS_ENDPOINT_URL_CLOUDTRAIL",
    key: "cloudtrail",
    call: (s) =>
      once(s.client(CLOUDTRAIL, { region: "eu-west-1" }), (c) => c.send(new DescribeTrailsCommand({}))),
  },
  {
    id: "EC2",
    signing: "ec2",
    env: "AWS_ENDPOINT_URL_EC2",
    key: "ec2",
    call: (s) => once(s.client(EC2), (c) => c.send(new DescribeRegionsCommand({}))),
  },
];

let dir: string;
let files = 0;
const recorders: Recorder[] = [];

async function recorder(): Promise<Recorder> {
  const r = await startRecorder(emu.endpoint);
  recorders.push(r);
  return r;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keywarden-endpoints-"));
  // DescribeOrganization needs an organization to describe.
  const org = new OrganizationsClient({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
  });
  await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  org.destroy();
});

afterAll(async () => {
  await Promise.all(recorders.map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A config file (and an empty credentials file) in this test's folder; their paths as AWS_* variables. */
async function awsFiles(config: string): Promise<Record<string, string>> {
  const n = ++files;
  const configPath = join(dir, `config-${n}`);
  const credentialsPath = join(dir, `credentials-${n}`);
  await writeFile(configPath, config);
  await writeFile(credentialsPath, "");
  return { AWS_CONFIG_FILE: configPath, AWS_SHARED_CREDENTIALS_FILE: credentialsPath };
}

/** A session on profile "lab" (explicit dummy keys, so no credential chain runs). */
function open(env: Record<string, string>, target: AwsTarget = {}): Promise<AwsSession> {
  return openSession(
    { profile: "lab", region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1, ...target },
    env,
  );
}

/** The SDK does not see a profile without keys, so every one here has at least its region. */
const LAB = `[profile lab]\nregion = ${REGION}\n`;

const servicesConfig = (svc: Svc, url: string, extra = "") =>
  `[profile lab]\nregion = ${REGION}\nservices = lab-services\n${extra}\n[services lab-services]\n${svc.key} =\n  endpoint_url = ${url}\n`;

describe("one place builds clients", () => {
  it("no module but src/aws/clients.ts constructs an AWS SDK client", async () => {
    const root = fileURLToPath(new URL("../src/", import.meta.url));
    const offenders: string[] = [];
    for (const rel of await readdir(root, { recursive: true })) {
      if (!rel.endsWith(".ts") || rel.endsWith(".test.ts") || rel === join("aws", "clients.ts")) continue;
      const code = await readFile(join(root, rel), "utf8");
      for (const m of code.matchAll(/new\s+(\w+Client)\s*\(/g)) {
        if (m[1] !== "EmulatorClient") offenders.push(`${rel}: new ${m[1]}(`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe("service identifiers", () => {
  it.each(SERVICES)(
    "$id: AWS_ENDPOINT_URL_<SERVICE> and the services key follow the reference guide",
    (svc) => {
      expect(`AWS_ENDPOINT_URL_${envSuffix(svc.id)}`).toBe(svc.env);
      expect(servicesKey(svc.id)).toBe(svc.key);
    },
  );

  it("a service declared with the wrong serviceId is refused when its first client is made", async () => {
    const s = await open(await awsFiles(LAB));
    expect(() => s.client(service(STSClient, "IAM"))).toThrow(
      'service spec says "IAM" but the SDK client is "STS"',
    );
  });
});

describe.each(SERVICES)("$id", (svc) => {
  it("--endpoint-url alone", async () => {
    const r = await recorder();
    const s = await open(await awsFiles(LAB), { endpointUrl: r.url });
    await svc.call(s);
    expect(r.seen).toEqual([svc.signing]);
    expect(s.endpointFor(svc.id)).toMatchObject({ url: r.url, kind: "--endpoint-url" });
  });

  it(`${svc.env} alone`, async () => {
    const r = await recorder();
    const s = await open({ ...(await awsFiles(LAB)), [svc.env]: r.url });
    await svc.call(s);
    expect(r.seen).toEqual([svc.signing]);
    expect(s.endpointFor(svc.id)).toMatchObject({ url: r.url, from: svc.env });
  });

  it("AWS_ENDPOINT_URL alone", async () => {
    const r = await recorder();
    const s = await open({ ...(await awsFiles(LAB)), AWS_ENDPOINT_URL: r.url });
    await svc.call(s);
    expect(r.seen).toEqual([svc.signing]);
  });

  it("the profile's services section alone (nested endpoint_url)", async () => {
    const r = await recorder();
    const s = await open(await awsFiles(servicesConfig(svc, r.url)));
    await svc.call(s);
    expect(r.seen).toEqual([svc.signing]);
    expect(s.endpointFor(svc.id)?.kind).toBe("services");
  });

  it("the profile's endpoint_url alone, with --profile (not AWS_PROFILE)", async () => {
    const r = await recorder();
    const s = await open(await awsFiles(`${LAB}endpoint_url = ${r.url}\n`));
    await svc.call(s);
    expect(r.seen).toEqual([svc.signing]);
  });

  it("precedence: flag, then service variable, then AWS_ENDPOINT_URL, then services, then endpoint_url", async () => {
    const [flag, specific, global, section, own] = await Promise.all([
      recorder(),
      recorder(),
      recorder(),
      recorder(),
      recorder(),
    ]);
    const config = await awsFiles(servicesConfig(svc, section.url, `endpoint_url = ${own.url}`));
    const all = { ...config, [svc.env]: specific.url, AWS_ENDPOINT_URL: global.url };
    await svc.call(await open(all, { endpointUrl: flag.url }));
    await svc.call(await open(all));
    await svc.call(await open({ ...config, AWS_ENDPOINT_URL: global.url }));
    await svc.call(await open(config));
    await svc.call(await open(await awsFiles(`${LAB}endpoint_url = ${own.url}\n`)));
    expect([flag, specific, global, section, own].map((r) => r.seen)).toEqual(
      Array.from({ length: 5 }, () => [svc.signing]),
    );
  });

  it("a wrong endpoint for this service only: its call goes there (and fails), the others do not", async () => {
    const good = await recorder();
    const dead = await deadUrl();
    const s = await open({ ...(await awsFiles(LAB)), AWS_ENDPOINT_URL: good.url, [svc.env]: dead });
    await expect(svc.call(s)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const other = SERVICES.find((o) => o.id !== svc.id) as Svc;
    await other.call(s);
    expect(good.seen).toEqual([other.signing]);
  });
});

/** Captures the host a request would go to, then stops it before it leaves the process. */
function captureHost(hosts: string[]): AwsTarget["configureClient"] {
  return (client) => {
    const stop: FinalizeRequestMiddleware<object, MetadataBearer> = (_next) => (args) => {
      const req = args.request as { hostname?: string; port?: number };
      hosts.push(`${req.hostname ?? "?"}${req.port ? `:${req.port}` : ""}`);
      return Promise.reject(Object.assign(new Error("stopped by the test"), { name: "StoppedByTest" }));
    };
    client.middlewareStack.add(stop, { step: "finalizeRequest", name: "captureHost", priority: "low" });
  };
}

describe("ignoring configured endpoints", () => {
  it("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: variables, services and endpoint_url are ignored, AWS's endpoints used", async () => {
    const r = await recorder();
    const hosts: string[] = [];
    const env = {
      ...(await awsFiles(servicesConfig(SERVICES[0] as Svc, r.url, `endpoint_url = ${r.url}`))),
      AWS_ENDPOINT_URL: r.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: r.url,
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
    };
    const s = await open(env, { configureClient: captureHost(hosts) });
    for (const svc of SERVICES) {
      expect(s.endpointFor(svc.id)).toBeNull();
      await expect(svc.call(s)).rejects.toMatchObject({ name: "StoppedByTest" });
    }
    expect(r.seen).toEqual([]);
    expect(hosts).toContain("iam.amazonaws.com");
    expect(hosts).toContain("cloudtrail.eu-west-1.amazonaws.com");
    expect(hosts).toContain(`secretsmanager.${REGION}.amazonaws.com`);
  });

  it("ignore_configured_endpoint_urls = true in the profile does the same; the variable set to false overrides it", async () => {
    const r = await recorder();
    const config = await awsFiles(`${LAB}endpoint_url = ${r.url}\nignore_configured_endpoint_urls = true\n`);
    expect((await open(config)).endpointFor("IAM")).toBeNull();
    const s = await open({ ...config, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "false" });
    await s.iam().send(new ListUsersCommand({}));
    expect(r.seen).toEqual(["iam"]);
  });

  it("--endpoint-url still applies", async () => {
    const r = await recorder();
    const s = await open(
      { ...(await awsFiles(LAB)), AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      { endpointUrl: r.url },
    );
    await s.sts().send(new GetCallerIdentityCommand({}));
    expect(r.seen).toEqual(["sts"]);
  });
});

describe("the profile, not the SDK's AWS_PROFILE/default reading", () => {
  it("--profile lab without endpoints uses AWS's endpoint even when [default] has endpoint_url", async () => {
    const r = await recorder();
    const hosts: string[] = [];
    const s = await open(
      await awsFiles(`[default]\nendpoint_url = ${r.url}\n[profile lab]\nregion = ${REGION}\n`),
      {
        configureClient: captureHost(hosts),
      },
    );
    await expect(s.iam().send(new ListUsersCommand({}))).rejects.toMatchObject({ name: "StoppedByTest" });
    expect(hosts).toEqual(["iam.amazonaws.com"]);
    expect(r.seen).toEqual([]);
  });

  it("with environment keys and no --profile, AWS_PROFILE's settings apply (as in the AWS CLI)", async () => {
    const r = await recorder();
    const s = await openSession(
      { region: REGION },
      {
        ...(await awsFiles(`${LAB}endpoint_url = ${r.url}\n`)),
        AWS_PROFILE: "lab",
        AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      },
    );
    expect(s.profile).toBeNull();
    expect(s.endpointFor("STS")).toMatchObject({ url: r.url, from: 'endpoint_url of profile "lab"' });
  });
});

describe("bad endpoint configuration is a one-line error", () => {
  it("services names a section the file lacks", async () => {
    const s = await open(await awsFiles(`${LAB}services = nowhere\n`));
    const err = (() => {
      try {
        s.iam();
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as CredentialsError).code).toBe("SERVICES_SECTION_MISSING");
    expect((err as Error).message).toContain("[services nowhere]");
  });

  it("a variable that is not a URL names the variable", async () => {
    const s = await open({ ...(await awsFiles(LAB)), AWS_ENDPOINT_URL_SSM: "localhost:4566" });
    expect(() => s.ssm()).toThrow(UsageError);
    expect(() => s.ssm()).toThrow('"localhost:4566" from AWS_ENDPOINT_URL_SSM is not a valid endpoint URL');
  });

  it("a bad --endpoint-url fails when the session opens", async () => {
    await expect(open(await awsFiles(LAB), { endpointUrl: "ftp://x" })).rejects.toThrow(
      '"ftp://x" from --endpoint-url is not a valid endpoint URL',
    );
  });
});

describe("messages name the endpoint of the service that failed", () => {
  it("CloudTrail unreachable at its own endpoint: the error names that one, not IAM's", async () => {
    const good = await recorder();
    const dead = await deadUrl();
    const s = await open({
      ...(await awsFiles(LAB)),
      AWS_ENDPOINT_URL: good.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: dead,
    });
    const clients = regionalClients(s);
    const port = lookupPort(s, clients, {
      pacing: { intervalMs: 0, now: () => 0, sleep: () => Promise.resolve() },
    });
    const err = await port.lookup(REGION, "AKIAIOSFODNN7EXAMPLE", {}).then(
      () => null,
      (e: unknown) => e as Error,
    );
    clients.destroy();
    expect(err?.message).toContain(`LookupEvents failed: could not reach AWS at ${dead}`);
    expect(s.endpointUrl).toBe(good.url);
    expect(await port.regions()).toEqual(expect.arrayContaining([REGION]));
    expect(good.seen).toEqual(["ec2"]);
  });
});

describe("respond with the endpoint only in the profile (issue 14)", () => {
  it("CloudTrail and EC2 go to the profile's endpoint_url: the events are found", async () => {
    const r = await recorder();
    const user = "leaked-endpoint";
    await emu.createUser(user);
    const key = await emu.createKey(user);
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key.accessKeyId, userName: user }).map(lookupItemOf),
    );
    const home = await mkdtemp(join(tmpdir(), "keywarden-endpoints-home-"));
    const env = {
      ...(await cliFiles(home, {
        config: `[profile lab]\nregion = ${REGION}\nendpoint_url = ${r.url}\n`,
        credentials: `[lab]\naws_access_key_id = ${DUMMY_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${DUMMY_CREDENTIALS.secretAccessKey}\n`,
      })),
      KEYWARDEN_HOME: home,
    };
    const out = await runCli(
      [
        "respond",
        key.accessKeyId,
        "--profile",
        "lab",
        "--yes",
        "--regions",
        "us-east-1,eu-west-1",
        "--format",
        "json",
      ],
      { env },
    );
    expect(out.stderr).not.toContain("LookupEvents failed");
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout) as IncidentReport;
    expect(report.sources.lookupFailures).toEqual([]);
    expect(report.eventCount).toBe(13);
    // Every call the verb made went through the profile's endpoint, CloudTrail in both regions included.
    expect(new Set(r.seen)).toEqual(new Set(["sts", "iam", "cloudtrail"]));
    expect(r.seen.filter((s) => s === "cloudtrail").length).toBeGreaterThanOrEqual(2);
    await rm(home, { recursive: true, force: true });
  });

  it("without --regions, ec2:DescribeRegions goes to the EC2 endpoint of the profile's services section", async () => {
    const r = await recorder();
    const user = "leaked-regions";
    await emu.createUser(user);
    const key = await emu.createKey(user);
    await emu.client.seedCloudTrailEvents([]);
    const home = await mkdtemp(join(tmpdir(), "keywarden-endpoints-home-"));
    const env = {
      ...(await cliFiles(home, {
        config: `[profile lab]\nregion = ${REGION}\nservices = emu\n[services emu]\nec2 =\n  endpoint_url = ${r.url}\n`,
        credentials: `[lab]\naws_access_key_id = ${DUMMY_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${DUMMY_CREDENTIALS.secretAccessKey}\n`,
      })),
      AWS_ENDPOINT_URL_IAM: emu.endpoint,
      AWS_ENDPOINT_URL_STS: emu.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: emu.endpoint,
      KEYWARDEN_HOME: home,
    };
    const out = await runCli(
      ["respond", key.accessKeyId, "--profile", "lab", "--dry-run", "--format", "json"],
      {
        env,
      },
    );
    expect(out.stderr).not.toContain("warning");
    expect(out.code).toBe(0);
    expect(r.seen).toEqual(["ec2"]);
    await rm(home, { recursive: true, force: true });
  });
});
