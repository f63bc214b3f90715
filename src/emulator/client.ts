// A small client for the emulator's test-only endpoints (see test/emulator/launcher.py, where each
// endpoint's JSON is documented). The types mirror the launcher's JSON exactly (snake_case), so a
// spec written here, in a fixture file or in a curl command is the same document. Dates may be
// Date objects: JSON.stringify turns them into ISO strings. CloudTrail events are LookupEvents
// `Events` items and keep AWS's own PascalCase names.

export type DateLike = Date | string;
export type KeyStatus = "Active" | "Inactive";
/** "virtual": a virtual MFA device created and enabled for the user. "hardware": an enabled MFA
 * device that is not virtual (ListMFADevices and the credential report show it,
 * ListVirtualMFADevices does not). */
export type MfaKind = "virtual" | "hardware";

export interface LastUseSpec {
  date: DateLike;
  /** Service namespace, default "s3". */
  service?: string;
  /** Default "us-east-1". */
  region?: string;
}

export interface BulkAccessKeySpec {
  /** Default "Active". */
  status?: KeyStatus;
  create_date?: DateLike;
  /** null or absent: never used. */
  last_used?: LastUseSpec | null;
}

export interface BulkUserSpec {
  name: string;
  /** Default "/". */
  path?: string;
  tags?: Record<string, string>;
  create_date?: DateLike;
  /** A console password (login profile); `last_changed` defaults to the user's creation date. */
  password?: { last_used?: DateLike | null; last_changed?: DateLike } | null;
  mfa?: MfaKind | null;
  /** At most 2 (IAM's quota). */
  access_keys?: BulkAccessKeySpec[];
}

export interface BulkSeedSpec {
  /** Default "123456789012". */
  account_id?: string;
  users: BulkUserSpec[];
}

export interface SeededAccessKey {
  access_key_id: string;
  secret_access_key: string;
}

export interface BulkSeedResult {
  users: { name: string; arn: string; access_keys: SeededAccessKey[] }[];
  /** Server-side time spent creating everything. */
  elapsed_ms: number;
}

export interface RootAccessKeySpec {
  active: boolean;
  last_rotated: DateLike;
  last_used: DateLike | null;
  /** Default "s3". */
  last_used_service?: string;
  /** Default "us-east-1". */
  last_used_region?: string;
}

export interface RootSpec {
  account_id?: string;
  /** 0 to 2 root access keys. */
  access_keys: RootAccessKeySpec[];
  mfa: MfaKind | null;
  /** The <root_account> row's user_creation_time; default: when this is called. */
  create_date?: DateLike;
  /** Default null: "no_information" in the report. */
  password_last_used?: DateLike | null;
}

export interface RootResult {
  arn: string;
  /** Serial of the root's virtual MFA device, when mfa is "virtual". */
  mfa_serial: string | null;
}

export interface BackdateSpec {
  account_id?: string;
  access_key_id?: string;
  /** The access key's CreateDate. */
  create_date?: DateLike;
  last_used?: LastUseSpec | null;
  user_name?: string;
  user_create_date?: DateLike;
  password_last_used?: DateLike | null;
}

export interface BackdateResult {
  access_key_id?: string;
  user_name?: string;
}

export interface CredentialReportControl {
  account_id?: string;
  /** Drop the snapshot: GetCredentialReport answers ReportExpired until the next Generate. */
  expire?: boolean;
  /** Move the snapshot's time (taking a snapshot now first if there is none). */
  generated_at?: DateLike;
  /** The next n GetCredentialReport calls answer ReportInProgress; Generate answers STARTED. */
  in_progress_polls?: number;
}

export interface CredentialReportState {
  /** ISO time of the current snapshot, null when there is none. */
  generated_at: string | null;
  expired: boolean;
  in_progress_polls: number;
}

/** One LookupEvents `Events` item, in AWS's names. EventTime: Date, ISO string or epoch seconds. */
export interface CloudTrailEventSeed {
  EventId?: string;
  EventName: string;
  EventTime: DateLike | number;
  EventSource?: string;
  Username?: string;
  AccessKeyId?: string;
  ReadOnly?: "true" | "false";
  Resources?: { ResourceType?: string; ResourceName?: string }[];
  /** The full CloudTrail record as a JSON string. */
  CloudTrailEvent?: string;
  /**
   * Seed-only (not part of AWS's answer): the region whose LookupEvents returns the event. Without
   * it, the CloudTrailEvent record's awsRegion decides; with neither, every region returns it.
   */
  AwsRegion?: string;
}

/**
 * The LookupEvents item AWS derives from a full CloudTrail record (the log-file shape), so a test
 * seeds the same record it would write to a log file fixture.
 */
export function lookupItemOf(record: Record<string, unknown>): CloudTrailEventSeed {
  const identity = (record.userIdentity ?? {}) as { accessKeyId?: string; userName?: string };
  const resources = Array.isArray(record.resources)
    ? (record.resources as { type?: string; ARN?: string }[]).map((r) => ({
        ResourceType: r.type,
        ResourceName: r.ARN,
      }))
    : [];
  const readOnly = record.readOnly;
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  return {
    EventId: text(record.eventID),
    EventName: text(record.eventName),
    EventTime: text(record.eventTime),
    EventSource: text(record.eventSource),
    ...(identity.userName ? { Username: identity.userName } : {}),
    ...(identity.accessKeyId ? { AccessKeyId: identity.accessKeyId } : {}),
    ...(typeof readOnly === "boolean" ? { ReadOnly: readOnly ? ("true" as const) : ("false" as const) } : {}),
    Resources: resources,
    CloudTrailEvent: JSON.stringify(record),
  };
}

export class EmulatorClient {
  readonly endpoint: string;

  constructor(endpoint: string) {
    this.endpoint = endpoint.replace(/\/+$/, "");
  }

  private async post(path: string, body: unknown, raw = false): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.endpoint}${path}`, {
        method: "POST",
        headers: { "content-type": raw ? "text/plain" : "application/json" },
        body: raw ? String(body) : JSON.stringify(body ?? {}),
      });
    } catch (err) {
      throw new Error(`Emulator request POST ${path} to ${this.endpoint} failed: ${String(err)}`, {
        cause: err,
      });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const detail =
        typeof parsed === "object" && parsed !== null && "error" in parsed
          ? String(parsed.error)
          : text.slice(0, 500);
      throw new Error(`Emulator request POST ${path} failed with HTTP ${res.status}: ${detail}`);
    }
    return parsed;
  }

  /** Resets moto and the launcher's own state (root, report, CloudTrail events); auth checks off. */
  async reset(): Promise<void> {
    await this.post("/_test/reset", {});
  }

  /** Creates users, keys, passwords and MFA devices in one request, directly in moto's memory. */
  async bulkSeed(spec: BulkSeedSpec): Promise<BulkSeedResult> {
    return (await this.post("/_test/iam/bulk", spec)) as BulkSeedResult;
  }

  /** Describes the root user: GetAccountSummary, ListVirtualMFADevices and the report's root row. */
  async setRoot(spec: RootSpec): Promise<RootResult> {
    return (await this.post("/_test/iam/root", spec)) as RootResult;
  }

  /** Moves dates that moto stamps with "now": key creation and last use, user creation, password use. */
  async backdate(spec: BackdateSpec): Promise<BackdateResult> {
    return (await this.post("/_test/iam/backdate", spec)) as BackdateResult;
  }

  /** Drives the credential report snapshot and returns its state afterwards ({} only reads it). */
  async credentialReport(spec: CredentialReportControl = {}): Promise<CredentialReportState> {
    return (await this.post("/_test/iam/credential-report", spec)) as CredentialReportState;
  }

  /** Replaces the events CloudTrail LookupEvents answers from. */
  async seedCloudTrailEvents(events: CloudTrailEventSeed[]): Promise<void> {
    await this.post("/_test/cloudtrail/events", events);
  }

  /**
   * Queues the rows the next Athena queries return (moto runs no SQL): one entry per query, each
   * a header row then the data rows, every value text or null. Athena's own endpoint.
   */
  async queueAthenaResults(results: { columns: string[]; rows: (string | null)[][] }[]): Promise<void> {
    const cell = (v: string | null) => (v === null ? {} : { VarCharValue: v });
    await this.post("/moto-api/static/athena/query-results", {
      account_id: "123456789012",
      region: "us-east-1",
      results: results.map((r) => ({
        rows: [r.columns, ...r.rows].map((row) => ({ Data: row.map(cell) })),
        column_info: r.columns.map((Name) => ({ Name, Label: Name, Type: "varchar", Nullable: "UNKNOWN" })),
      })),
    });
  }

  /**
   * How the next Athena queries end (the launcher's /_test/athena/outcomes): state, reason, bytes
   * scanned, and how many GetQueryExecution polls say QUEUED/RUNNING first. Returns the polls
   * each query with an outcome has had so far.
   */
  async athenaOutcomes(
    outcomes: {
      state?: "SUCCEEDED" | "FAILED" | "CANCELLED";
      reason?: string;
      scanned_bytes?: number;
      pending_polls?: number;
    }[],
  ): Promise<Record<string, number>> {
    const r = (await this.post("/_test/athena/outcomes", { outcomes })) as { polls: Record<string, number> };
    return r.polls;
  }

  /**
   * Turns moto's signature and permission checks on (from the next request) or off. When on,
   * requests must be signed with keys that exist in the emulator (the default "testing" keys are
   * refused) and inactive keys fail with InvalidClientTokenId.
   */
  async setAuth(enabled: boolean): Promise<void> {
    await this.post("/moto-api/reset-auth", enabled ? "0" : "inf", true);
  }
}
