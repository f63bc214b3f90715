// What the Athena investigation needs from AWS. src/aws/athena.ts implements them with the SDK;
// tests run them against the emulator.

export interface QueryContext {
  /** The database the statement runs in (absent for CREATE DATABASE). */
  database?: string | undefined;
  workgroup?: string | undefined;
  /** s3://... where Athena writes the result; absent: the workgroup's own setting. */
  outputLocation?: string | undefined;
}

export type QueryState = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export interface QueryStatus {
  state: QueryState;
  /** Athena's reason for FAILED or CANCELLED. */
  reason: string | null;
  /** Statistics.DataScannedInBytes: what the query is billed on. */
  scannedBytes: number;
  /** Where the result file is (ResultConfiguration.OutputLocation). */
  outputLocation: string | null;
}

export interface ResultPage {
  rows: { Data?: { VarCharValue?: string | undefined }[] | undefined }[];
  /** Column names (ResultSetMetadata.ColumnInfo). */
  columns: string[];
  nextToken: string | null;
}

export interface AthenaPort {
  start(sql: string, ctx: QueryContext): Promise<string>;
  status(queryExecutionId: string): Promise<QueryStatus>;
  results(queryExecutionId: string, nextToken: string | null): Promise<ResultPage>;
}

export interface ListedPrefix {
  /** Total size of the objects under it (ListObjectsV2, every page). */
  bytes: number;
  objects: number;
  /** ListObjectsV2 requests made. */
  requests: number;
}

export interface BucketPort {
  /** Copies every object under `prefix` into `dir` (same relative keys); returns the bytes copied. */
  download?(bucket: string, prefix: string, dir: string): Promise<number>;
  /** Sizes of the objects under `prefix` in `bucket`. */
  sizeUnder(bucket: string, prefix: string): Promise<ListedPrefix>;
  /** The "folder" names right under `prefix` (ListObjectsV2 with a "/" delimiter). */
  foldersUnder(bucket: string, prefix: string): Promise<string[]>;
}

/** Athena's on-demand price: US$5 per TB scanned (10 MB minimum per query), us-east-1, 2026. */
export const ATHENA_USD_PER_TB = 5;
export const ATHENA_MIN_BILLED_BYTES = 10 * 1024 * 1024;

/** What a query of `bytes` costs at the public on-demand price (TB = 2^40 bytes, as AWS bills). */
export const athenaCostUsd = (bytes: number): number =>
  bytes <= 0 ? 0 : (Math.max(bytes, ATHENA_MIN_BILLED_BYTES) / 2 ** 40) * ATHENA_USD_PER_TB;

/** AWS actions of `keywarden athena setup` and of `trail`/`respond --athena`. */
export const ATHENA_SETUP_PERMISSIONS: readonly string[] = [
  "athena:StartQueryExecution",
  "athena:GetQueryExecution",
  "glue:CreateDatabase",
  "glue:GetDatabase",
  "glue:CreateTable",
  "glue:GetTable",
  "glue:UpdateTable",
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:PutObject",
];
export const ATHENA_QUERY_PERMISSIONS: readonly string[] = [
  "athena:StartQueryExecution",
  "athena:GetQueryExecution",
  "athena:GetQueryResults",
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetPartitions",
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetObject",
  "s3:PutObject",
  "sts:GetAccessKeyInfo",
];
