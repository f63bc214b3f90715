import { UsageError } from "../../domain/errors.js";
import { PARTITIONS, PARTITION_DATE_FORMAT } from "../query/athena.js";
import { sqlString } from "../query/model.js";

// The CloudTrail table `keywarden athena setup` creates: the columns of AWS's documented
// CloudTrail table for Athena (Hive DDL, CloudTrail's own input format and the JSON SerDe), with
// partition projection on account, region and date so that Athena computes the folders a query
// reads from its WHERE clause: no crawler, no ALTER TABLE ADD PARTITION, nothing to maintain.

/** [name, Hive type]. Kept as data so tests can check every type and every column a query reads. */
export const CLOUDTRAIL_COLUMNS: readonly (readonly [string, string])[] = [
  ["eventversion", "STRING"],
  [
    "useridentity",
    "STRUCT<type:STRING, principalid:STRING, arn:STRING, accountid:STRING, invokedby:STRING, " +
      "accesskeyid:STRING, username:STRING, onbehalfof:STRUCT<userid:STRING, identitystorearn:STRING>, " +
      "sessioncontext:STRUCT<attributes:STRUCT<mfaauthenticated:STRING, creationdate:STRING>, " +
      "sessionissuer:STRUCT<type:STRING, principalid:STRING, arn:STRING, accountid:STRING, username:STRING>, " +
      "ec2roledelivery:STRING, webidfederationdata:STRUCT<federatedprovider:STRING, attributes:MAP<STRING,STRING>>>>",
  ],
  ["eventtime", "STRING"],
  ["eventsource", "STRING"],
  ["eventname", "STRING"],
  ["awsregion", "STRING"],
  ["sourceipaddress", "STRING"],
  ["useragent", "STRING"],
  ["errorcode", "STRING"],
  ["errormessage", "STRING"],
  ["requestparameters", "STRING"],
  ["responseelements", "STRING"],
  ["additionaleventdata", "STRING"],
  ["requestid", "STRING"],
  ["eventid", "STRING"],
  ["readonly", "STRING"],
  ["resources", "ARRAY<STRUCT<arn:STRING, accountid:STRING, type:STRING>>"],
  ["eventtype", "STRING"],
  ["apiversion", "STRING"],
  ["recipientaccountid", "STRING"],
  ["serviceeventdetails", "STRING"],
  ["sharedeventid", "STRING"],
  ["vpcendpointid", "STRING"],
  ["eventcategory", "STRING"],
  ["tlsdetails", "STRUCT<tlsversion:STRING, ciphersuite:STRING, clientprovidedhostheader:STRING>"],
];

/** Commercial regions a trail can log (2026). `--regions` replaces it for other partitions. */
export const DEFAULT_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

/** CloudTrail started delivering in November 2013: no folder is older. */
export const FIRST_DATE = "2013/11/01";

export interface TableSpec {
  bucket: string;
  /** The trail's S3 key prefix, without slashes at either end ("" for none). */
  prefix: string;
  /** An organization trail writes under AWSLogs/<org id>/<account>/; null for an account trail. */
  orgId: string | null;
  database: string;
  table: string;
  accounts: string[];
  regions: string[];
}

const NAME = /^[a-z0-9_]{1,255}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ORG = /^o-[a-z0-9]{10,32}$/;
const PREFIX = /^[A-Za-z0-9!_.*()/-]*$/;

/** Checks the names that go into SQL (they are quoted, but a bad one is a user's mistake). */
export function checkSpec(s: Pick<TableSpec, "bucket" | "prefix" | "orgId" | "database" | "table">): void {
  if (!BUCKET.test(s.bucket))
    throw new UsageError(
      `--bucket "${s.bucket}" is not an S3 bucket name`,
      "Pass the trail bucket's name, e.g. --bucket my-org-trail (no s3://).",
    );
  if (!PREFIX.test(s.prefix) || s.prefix.startsWith("/") || s.prefix.endsWith("/"))
    throw new UsageError(
      `--prefix "${s.prefix}" is not the trail's S3 key prefix`,
      "Pass the prefix the trail was given, without slashes at either end, e.g. --prefix cloudtrail.",
    );
  if (s.orgId !== null && !ORG.test(s.orgId))
    throw new UsageError(
      `--org-id "${s.orgId}" is not an organization id`,
      "Pass the id that starts with o-, as in the bucket's AWSLogs/o-xxxxxxxxxx/ folder.",
    );
  for (const [flag, v] of [
    ["--database", s.database],
    ["--table", s.table],
  ] as const)
    if (!NAME.test(v))
      throw new UsageError(
        `${flag} "${v}" is not an Athena name`,
        `Use lower-case letters, digits and underscores, e.g. ${flag} ${flag === "--table" ? "cloudtrail" : "keywarden"}.`,
      );
}

/** `s3://B/P/AWSLogs/O/` (or without the org, or the prefix): where the account folders are. */
export function logsRoot(s: Pick<TableSpec, "prefix" | "orgId">): string {
  return [s.prefix, "AWSLogs", s.orgId].filter((x): x is string => !!x).join("/") + "/";
}

/** Where each partition lives: Athena fills the ${...} from the query's partition values. */
export const locationTemplate = (s: TableSpec): string =>
  `s3://${s.bucket}/${logsRoot(s)}\${account}/CloudTrail/\${region}/\${date}`;

/** The table properties partition projection reads. */
export function projectionProperties(s: TableSpec): [string, string][] {
  return [
    ["projection.enabled", "true"],
    ["projection.account.type", "enum"],
    ["projection.account.values", s.accounts.join(",")],
    ["projection.region.type", "enum"],
    ["projection.region.values", s.regions.join(",")],
    ["projection.date.type", "date"],
    ["projection.date.format", PARTITION_DATE_FORMAT],
    ["projection.date.range", `${FIRST_DATE},NOW`],
    ["projection.date.interval", "1"],
    ["projection.date.interval.unit", "DAYS"],
    ["storage.location.template", locationTemplate(s)],
  ];
}

const props = (p: [string, string][]) => p.map(([k, v]) => `  ${sqlString(k)}=${sqlString(v)}`).join(",\n");

/** The statements setup runs, in order. Hive DDL: backticks quote names (`date` is reserved). */
export function setupStatements(s: TableSpec): {
  createDatabase: string;
  createTable: string;
  refreshProjection: string;
} {
  const table = `\`${s.database}\`.\`${s.table}\``;
  const createTable =
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (\n` +
    CLOUDTRAIL_COLUMNS.map(([n, t]) => `  \`${n}\` ${t}`).join(",\n") +
    `\n)\nPARTITIONED BY (${PARTITIONS.map((p) => `\`${p}\` STRING`).join(", ")})\n` +
    `ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n` +
    `STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n` +
    `OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n` +
    `LOCATION ${sqlString(`s3://${s.bucket}/${logsRoot(s)}`)}\n` +
    `TBLPROPERTIES (\n${props(projectionProperties(s))}\n)`;
  // CREATE ... IF NOT EXISTS leaves an existing table as it is: this brings its account and region
  // lists up to date, so running setup again after accounts join the organization is enough.
  const refreshProjection =
    `ALTER TABLE ${table} SET TBLPROPERTIES (\n` +
    props(
      projectionProperties(s).filter(([k]) => /^projection\.(account|region)\.values$|^storage/.test(k)),
    ) +
    `\n)`;
  return {
    createDatabase: `CREATE DATABASE IF NOT EXISTS \`${s.database}\``,
    createTable,
    refreshProjection,
  };
}
