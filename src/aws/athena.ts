import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AthenaPort, BucketPort, ListedPrefix, QueryState } from "../response/athena/ports.js";
import { service } from "./clients.js";
import { call, callSite } from "./errors.js";
import type { AwsSession } from "./session.js";

// Athena's query API and the S3 listing the cost estimate reads, through the session's clients
// (same credentials, retry, counting and endpoint resolution as every other call).

export const ATHENA = service(AthenaClient, "Athena");
export const S3 = service(S3Client, "S3");

export interface AthenaAdapterOptions {
  endpointUrl?: string | undefined;
  maxAttempts?: number | undefined;
  /** Called with each client made here: tests watch or inject at the SDK layer. */
  configureClient?: ((client: AthenaClient | S3Client) => void) | undefined;
}

const STATES = new Set<QueryState>(["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]);

export function athenaPort(
  session: AwsSession,
  opts: AthenaAdapterOptions = {},
): AthenaPort & { destroy(): void } {
  const client = session.client(ATHENA, { maxAttempts: opts.maxAttempts, endpointUrl: opts.endpointUrl });
  opts.configureClient?.(client);
  const site = (op: string) => callSite(session, op, "athena");
  return {
    async start(sql, ctx) {
      const r = await call(site("StartQueryExecution"), () =>
        client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            ...(ctx.database
              ? { QueryExecutionContext: { Database: ctx.database, Catalog: "AwsDataCatalog" } }
              : {}),
            ...(ctx.workgroup ? { WorkGroup: ctx.workgroup } : {}),
            ...(ctx.outputLocation ? { ResultConfiguration: { OutputLocation: ctx.outputLocation } } : {}),
          }),
        ),
      );
      if (!r.QueryExecutionId) throw new Error("StartQueryExecution returned no QueryExecutionId");
      return r.QueryExecutionId;
    },
    async status(id) {
      const r = await call(site("GetQueryExecution"), () =>
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const q = r.QueryExecution;
      const state = q?.Status?.State;
      return {
        state: state && STATES.has(state) ? state : "QUEUED",
        reason: q?.Status?.StateChangeReason ?? q?.Status?.AthenaError?.ErrorMessage ?? null,
        scannedBytes: q?.Statistics?.DataScannedInBytes ?? 0,
        outputLocation: q?.ResultConfiguration?.OutputLocation ?? null,
      };
    },
    async results(id, nextToken) {
      const r = await call(site("GetQueryResults"), () =>
        client.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: 1000,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      return {
        rows: r.ResultSet?.Rows ?? [],
        columns: (r.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? ""),
        nextToken: r.NextToken ?? null,
      };
    },
    destroy: () => {
      client.destroy();
    },
  };
}

export function bucketPort(
  session: AwsSession,
  opts: AthenaAdapterOptions = {},
): BucketPort & { destroy(): void } {
  const client = session.client(S3, {
    maxAttempts: opts.maxAttempts,
    endpointUrl: opts.endpointUrl,
    pathStyleWithEndpoint: true,
  });
  opts.configureClient?.(client);
  // Listing a bucket is s3:ListBucket, whatever the operation is called.
  const site = { ...callSite(session, "ListObjectsV2", "s3"), permission: "s3:ListBucket" };
  return {
    async sizeUnder(bucket, prefix): Promise<ListedPrefix> {
      const out: ListedPrefix = { bytes: 0, objects: 0, requests: 0 };
      let token: string | undefined;
      do {
        const r = await call(site, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
        );
        out.requests++;
        for (const o of r.Contents ?? []) {
          out.bytes += o.Size ?? 0;
          out.objects++;
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async download(bucket, prefix, dir) {
      let bytes = 0;
      let token: string | undefined;
      do {
        const r = await call(site, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
        );
        for (const o of r.Contents ?? []) {
          if (!o.Key || o.Key.endsWith("/")) continue;
          const key = o.Key;
          const got = await call(
            { ...callSite(session, "GetObject", "s3"), permission: "s3:GetObject" },
            () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
          );
          const body = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
          // The key's own path under dir (no "..": S3 keys are not paths, and this one is not trusted).
          const file = join(dir, ...key.split("/").filter((p) => p !== "" && p !== "." && p !== ".."));
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, body, { mode: 0o600 });
          bytes += body.length;
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return bytes;
    },
    async foldersUnder(bucket, prefix) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const r = await call(site, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              Delimiter: "/",
              ContinuationToken: token,
            }),
          ),
        );
        for (const p of r.CommonPrefixes ?? []) {
          const name = (p.Prefix ?? "").slice(prefix.length).replace(/\/$/, "");
          if (name) names.push(name);
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return names;
    },
    destroy: () => {
      client.destroy();
    },
  };
}
