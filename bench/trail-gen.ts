// Generates realistic CloudTrail log files for bench/trail: `{"Records": [...]}` per file, gzip,
// in the S3 layout AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/, with a few attacker
// events made with one planted key scattered through them. Deterministic (seeded PRNG), and
// cached by size and seed so a re-run does not regenerate.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { prng } from "./prng.js";

export const ACCOUNT = "123456789012";
export const ATTACKER_KEY = "AKIAZ7PLANTEDKEYAAAB";
const REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"];

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export interface GenOptions {
  /** Uncompressed bytes to produce (about). */
  bytes: number;
  /** Records per file (CloudTrail files hold a few to a few thousand). */
  recordsPerFile: number;
  seed: number;
  dir: string;
  /** Share of records made with the key's owner (default 1 in 2,000; a busy CI key: 0.25). */
  ownerShare?: number;
}

export interface Planted {
  eventID: string;
  eventName: string;
  eventTime: string;
  sourceIPAddress: string;
  userAgent: string;
  awsRegion: string;
}

export interface GenResult {
  dir: string;
  files: number;
  records: number;
  uncompressedBytes: number;
  compressedBytes: number;
  /** Every record made with ATTACKER_KEY (the planted events plus its owner's normal use). */
  keyEvents: Planted[];
  planted: Planted[];
  cached: boolean;
}

const ATTACK: [string, string][] = [
  ["GetCallerIdentity", "sts.amazonaws.com"],
  ["ListUsers", "iam.amazonaws.com"],
  ["ListBuckets", "s3.amazonaws.com"],
  ["CreateUser", "iam.amazonaws.com"],
  ["CreateAccessKey", "iam.amazonaws.com"],
  ["AttachUserPolicy", "iam.amazonaws.com"],
  ["CreateLoginProfile", "iam.amazonaws.com"],
  ["RunInstances", "ec2.amazonaws.com"],
  ["AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"],
  ["StopLogging", "cloudtrail.amazonaws.com"],
  ["PutBucketPolicy", "s3.amazonaws.com"],
  ["GetObject", "s3.amazonaws.com"],
];

const NORMAL: [string, string, boolean][] = [
  ["GetObject", "s3.amazonaws.com", true],
  ["PutObject", "s3.amazonaws.com", false],
  ["AssumeRole", "sts.amazonaws.com", false],
  ["DescribeInstances", "ec2.amazonaws.com", true],
  ["GetParameter", "ssm.amazonaws.com", true],
  ["Decrypt", "kms.amazonaws.com", true],
  ["PutMetricData", "monitoring.amazonaws.com", false],
  ["GetSecretValue", "secretsmanager.amazonaws.com", true],
  ["ListObjects", "s3.amazonaws.com", true],
  ["DescribeLogStreams", "logs.amazonaws.com", true],
  ["PutItem", "dynamodb.amazonaws.com", false],
  ["Invoke", "lambda.amazonaws.com", false],
];

const AGENTS = [
  "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.cp",
  "aws-sdk-java/1.12.661 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS java/17.0.10",
  "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.12.2 cfg/retry-mode#legacy Botocore/1.34.69",
  "aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1.0 lang/js md/nodejs#20.11.1 api/s3#3.540.0",
  "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 aws-sdk-go-v2/1.26.0",
  "console.amazonaws.com",
];

function id(rand: () => number, prefix: string, n: number): string {
  let s = prefix;
  for (let i = 0; i < n; i++) s += B32.charAt(Math.floor(rand() * 32));
  return s;
}

function uuid(rand: () => number): string {
  const h = () => Math.floor(rand() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, h).join("");
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

function record(
  rand: () => number,
  t: Date,
  region: string,
  key: string,
  user: string,
  [name, source, readOnly]: [string, string, boolean],
  ip: string,
  agent: string,
): Record<string, unknown> {
  const bucket = `app-data-${Math.floor(rand() * 40)}`;
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: id(rand, "AIDA", 17),
      arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
      accountId: ACCOUNT,
      accessKeyId: key,
      userName: user,
    },
    eventTime: t.toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: source,
    eventName: name,
    awsRegion: region,
    sourceIPAddress: ip,
    userAgent: agent,
    requestParameters:
      source === "s3.amazonaws.com"
        ? {
            bucketName: bucket,
            Host: `${bucket}.s3.${region}.amazonaws.com`,
            key: `data/${uuid(rand)}.parquet`,
          }
        : { maxResults: 50, filters: [{ name: "instance-state-name", values: ["running"] }] },
    responseElements: readOnly ? null : { requestId: uuid(rand) },
    additionalEventData: {
      SignatureVersion: "SigV4",
      CipherSuite: "TLS_AES_128_GCM_SHA256",
      bytesTransferredIn: Math.floor(rand() * 5000),
      AuthenticationMethod: "AuthHeader",
      "x-amz-id-2": id(rand, "", 60),
    },
    requestID: uuid(rand),
    eventID: uuid(rand),
    readOnly,
    resources:
      source === "s3.amazonaws.com"
        ? [
            { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/data/` },
            { accountId: ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` },
          ]
        : undefined,
    eventType: "AwsApiCall",
    managementEvent: source !== "s3.amazonaws.com",
    recipientAccountId: ACCOUNT,
    eventCategory: source === "s3.amazonaws.com" ? "Data" : "Management",
    tlsDetails: {
      tlsVersion: "TLSv1.3",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      clientProvidedHostHeader: `${source.split(".")[0]}.${region}.amazonaws.com`,
    },
  };
}

export async function generateLogs(o: GenOptions): Promise<GenResult> {
  const tag = createHash("sha1")
    .update(JSON.stringify([o.bytes, o.recordsPerFile, o.seed, 4, ...(o.ownerShare ? [o.ownerShare] : [])]))
    .digest("hex")
    .slice(0, 10);
  const dir = join(o.dir, `trail-${tag}`);
  // Beside the folder, not in it: the folder holds only log files.
  const manifest = `${dir}.manifest.json`;
  try {
    return { ...(JSON.parse(await readFile(manifest, "utf8")) as GenResult), cached: true };
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
  const rand = prng(o.seed);
  const keys = Array.from({ length: 400 }, (_, i) => ({ key: id(rand, "AKIA", 16), user: `svc-${i}` }));
  const owner = { key: ATTACKER_KEY, user: "ci-deployer" };
  const start = Date.parse("2026-10-01T00:00:00Z");
  const span = 30 * 86_400_000;
  let uncompressed = 0;
  let compressed = 0;
  let records = 0;
  let files = 0;
  const keyEvents: Planted[] = [];
  const planted: Planted[] = [];
  // Attacker events: 2 per planted slot, spread over the files.
  const estimatedFiles = Math.max(4, Math.round(o.bytes / (o.recordsPerFile * 1500)));
  const attackFiles = new Set(
    Array.from({ length: 12 }, (_, i) => Math.floor(((i + 0.5) * estimatedFiles) / 12)),
  );
  while (uncompressed < o.bytes) {
    const region = REGIONS[files % REGIONS.length] as string;
    const fileStart = start + Math.floor((files / estimatedFiles) * span);
    const recs: Record<string, unknown>[] = [];
    for (let i = 0; i < o.recordsPerFile; i++) {
      const t = new Date(fileStart + Math.floor(rand() * 300_000));
      // 1 in 2,000 records is the key's owner at work: the baseline the attack stands out from.
      const k =
        rand() < (o.ownerShare ?? 0.0005)
          ? owner
          : (keys[Math.floor(rand() * keys.length)] as { key: string; user: string });
      const op = NORMAL[Math.floor(rand() * NORMAL.length)] as [string, string, boolean];
      const ip = `10.${Math.floor(rand() * 4)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`;
      const r = record(
        rand,
        t,
        region,
        k.key,
        k.user,
        op,
        ip,
        AGENTS[Math.floor(rand() * AGENTS.length)] as string,
      );
      recs.push(r);
      if (k === owner) keyEvents.push(pick(r));
    }
    if (attackFiles.has(files)) {
      for (let j = 0; j < 2; j++) {
        const [name, source] = ATTACK[planted.length % ATTACK.length] as [string, string];
        const t = new Date(fileStart + Math.floor(rand() * 300_000));
        const r = record(
          rand,
          t,
          region,
          ATTACKER_KEY,
          owner.user,
          [name, source, false],
          "203.0.113.77",
          "python-requests/2.31.0",
        );
        recs.splice(Math.floor(rand() * recs.length), 0, r);
        planted.push(pick(r));
        keyEvents.push(pick(r));
      }
    }
    const text = JSON.stringify({ Records: recs });
    const gz = gzipSync(text, { level: 6 });
    const d = new Date(fileStart);
    const sub = join(
      dir,
      "AWSLogs",
      ACCOUNT,
      "CloudTrail",
      region,
      String(d.getUTCFullYear()),
      String(d.getUTCMonth() + 1).padStart(2, "0"),
      String(d.getUTCDate()).padStart(2, "0"),
    );
    await mkdir(sub, { recursive: true });
    const stamp = d
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
    await writeFile(
      join(sub, `${ACCOUNT}_CloudTrail_${region}_${stamp}_${String(files).padStart(5, "0")}.json.gz`),
      gz,
    );
    uncompressed += Buffer.byteLength(text);
    compressed += gz.length;
    records += recs.length;
    files++;
  }
  const result: GenResult = {
    dir,
    files,
    records,
    uncompressedBytes: uncompressed,
    compressedBytes: compressed,
    keyEvents,
    planted,
    cached: false,
  };
  await writeFile(manifest, JSON.stringify(result));
  return result;
}

function pick(r: Record<string, unknown>): Planted {
  return {
    eventID: r.eventID as string,
    eventName: r.eventName as string,
    eventTime: r.eventTime as string,
    sourceIPAddress: r.sourceIPAddress as string,
    userAgent: r.userAgent as string,
    awsRegion: r.awsRegion as string,
  };
}
