import type { KeyBlastRadiusView } from "../domain/audit-report.js";
import { mapWithConcurrency } from "../inventory/concurrency.js";
import { ConflictError, UsageError } from "../domain/errors.js";
import { isAccessKeyId, maskKeyId } from "../domain/key-id.js";
import { categoryCounts, indicators, newSince, suspiciousEvents } from "./analyze.js";
import { buildChecklist } from "./checklist.js";
import { classifyEvent } from "./classify.js";
import { mergeEvents } from "./normalize.js";
import { redactValue } from "./redact.js";
import {
  AWS_QUARANTINE_POLICIES,
  type AttachedQuarantine,
  type BucketSource,
  type LogReader,
  type LookupPort,
  type RemediationPort,
  type ResponseIamPort,
} from "./ports.js";
import { createdResources } from "./sweep.js";
import {
  IAM_REMOVABLE_TYPES,
  type Containment,
  type CreatedResource,
  type IncidentReport,
  type InvestigationStep,
  type LookupFailure,
  type TrailEvent,
  type UndatedRecord,
  type UnreadableFile,
} from "./types.js";

// `keywarden respond`: contain first (deactivate + quarantine, timed), then investigate, sweep and
// report. Adapters come in as arguments; time comes from `now`.

export interface RespondOptions {
  accessKeyId: string;
  since: Date | null;
  logPaths: string[];
  dryRun: boolean;
  remediate: boolean;
  /** Regions to ask LookupEvents; default: every enabled region. */
  regions?: string[] | undefined;
  /** When the command started (default: now); secondsToContain counts from here. */
  startedAt?: Date | undefined;
  /** false: only the log files (no LookupEvents). */
  lookup?: boolean | undefined;
}

export interface RespondDeps {
  iam: ResponseIamPort;
  lookup: LookupPort;
  logs?: LogReader | undefined;
  /** --athena / --engine: the trail bucket, through Athena or copied here; merged by event id. */
  bucket?: BucketSource | undefined;
  /** What --remediate removes with; a function is given the user under investigation, whom it must spare. */
  remediation?:
    RemediationPort | ((protectedUser: string) => RemediationPort | Promise<RemediationPort>) | undefined;
  now: () => Date;
  newIncidentId: (now: Date) => string;
  /** Milestones for a person (stderr): containment, remediation. */
  log: (line: string) => void;
  /** Transient progress (a spinner on a terminal); optional. */
  progress?: ((line: string) => void) | undefined;
  /** Persists the report; called after containment and again at the end. */
  save: (report: IncidentReport) => Promise<void>;
  /** Asked once before --remediate deletes anything. */
  confirm: (question: string) => Promise<boolean>;
  /** Regions asked at once; each region is paced on its own. */
  regionConcurrency?: number;
  /**
   * What the user's policies let the key do, leaving out the policy containment attached; read
   * after containment (never slowing it). Throws when it cannot be read; respond goes on.
   */
  blastRadius?: (userName: string, leaveOut: string | null) => Promise<KeyBlastRadiusView | null>;
}

export function validateKeyId(accessKeyId: string): void {
  if (/^ASIA/.test(accessKeyId)) {
    throw new UsageError(
      `${maskKeyId(accessKeyId)} is a temporary (STS) access key id, which cannot be deactivated`,
      "Revoke the role's sessions instead (IAM console: Roles > ROLE > Revoke active sessions), then run keywarden respond on the long-term key that created them.",
    );
  }
  if (!isAccessKeyId(accessKeyId)) {
    throw new UsageError(
      `"${accessKeyId.slice(0, 24)}" is not an access key id`,
      "Pass the 20-character key id that starts with AKIA, e.g. keywarden respond AKIAIOSFODNN7EXAMPLE.",
    );
  }
}

/** LookupEvents in every region plus the log files: the key's events, oldest first. */
export async function collectEvents(
  deps: Pick<RespondDeps, "lookup" | "logs" | "bucket" | "progress" | "regionConcurrency">,
  opts: {
    accessKeyId: string;
    logPaths: string[];
    regions?: string[] | undefined;
    lookup?: boolean | undefined;
    /** Only events at or after this time (trail's --since); respond reads everything. */
    windowStart?: Date | null | undefined;
    /**
     * respond: a failed bucket read (a FAILED query, a refused estimate) is recorded and the rest
     * kept, as a failed region is; trail stops with the failure's own exit code.
     */
    keepBucketFailure?: boolean | undefined;
  },
  step: (what: string) => void,
): Promise<{
  events: TrailEvent[];
  lookupRegions: string[];
  logFiles: number;
  lookupFailures: LookupFailure[];
  /** Log files (or lines) skipped because they could not be read. */
  unreadableFiles: UnreadableFile[];
  /** Records of the key left out because their time could not be read. */
  undatedRecords: UndatedRecord[];
  bucketFailure: string | null;
}> {
  let lookupEvents: TrailEvent[] = [];
  let lookupRegions: string[] = [];
  const lookupFailures: LookupFailure[] = [];
  if (opts.lookup !== false) {
    lookupRegions = opts.regions && opts.regions.length > 0 ? opts.regions : await deps.lookup.regions();
    step(`LookupEvents by AccessKeyId in ${lookupRegions.length} region(s): ${lookupRegions.join(", ")}`);
    let done = 0;
    const perRegion = await mapWithConcurrency(lookupRegions, deps.regionConcurrency ?? 8, async (region) => {
      let found: TrailEvent[];
      try {
        found = await deps.lookup.lookup(region, opts.accessKeyId, { start: opts.windowStart ?? undefined });
      } catch (err) {
        // One region failing (denied, throttled past retries) must not hide the others, and must
        // not pass as "no events": it is reported, and the verb exits non-zero.
        const error = err instanceof Error ? err.message : String(err);
        lookupFailures.push({ region, error });
        step(`LookupEvents failed in ${region}: ${error}`);
        return [];
      }
      done++;
      deps.progress?.(
        `looked up ${region}: ${found.length} event(s) (${done}/${lookupRegions.length} regions)`,
      );
      return found;
    });
    lookupEvents = perRegion.flat();
    step(
      `LookupEvents returned ${lookupEvents.length} event(s)` +
        (lookupFailures.length > 0 ? `; ${lookupFailures.length} region(s) failed` : ""),
    );
  }
  let logEvents: TrailEvent[] = [];
  let logFiles = 0;
  let unreadableFiles: UnreadableFile[] = [];
  let undatedRecords: UndatedRecord[] = [];
  if (opts.logPaths.length > 0) {
    if (!deps.logs) throw new Error("log files were given but no log reader is wired");
    step(`Reading trail log files under ${opts.logPaths.join(", ")}`);
    deps.progress?.(`reading log files under ${opts.logPaths.join(", ")}`);
    const r = await deps.logs.read(opts.logPaths, opts.accessKeyId, opts.windowStart ?? null);
    logEvents = r.events;
    logFiles = r.files;
    unreadableFiles = r.unreadableFiles ?? [];
    undatedRecords = r.undatedRecords ?? [];
    step(
      `Read ${r.files} log file(s) (${Math.round(r.bytes / 1e6)} MB on disk): ${r.events.length} event(s) of the key`,
    );
    for (const f of unreadableFiles) {
      step(`Skipped ${f.skipped === "file" ? "the unreadable log file" : "lines of"} ${f.file}: ${f.error}`);
    }
    if (undatedRecords.length > 0) {
      step(
        `Left out ${undatedRecords.length} record(s) of the key whose time cannot be read: ${undatedRecords
          .slice(0, 5)
          .map((u) => `${u.eventName || "?"} ${u.eventId || "(no id)"} in ${u.file}`)
          .join("; ")}${undatedRecords.length > 5 ? "; ..." : ""}`,
      );
    }
  }
  // The trail bucket (Athena, or its files copied here): the same records as the log files, so an
  // event LookupEvents also returned is kept once (by event id).
  let bucketEvents: TrailEvent[] = [];
  let bucketFailure: string | null = null;
  if (deps.bucket) {
    try {
      bucketEvents = await deps.bucket.read(opts.accessKeyId, step);
    } catch (err) {
      if (!opts.keepBucketFailure) throw err;
      bucketFailure = err instanceof Error ? err.message : String(err);
      step(`The trail bucket could not be read: ${bucketFailure}`);
    }
  }
  return {
    events: mergeEvents(lookupEvents, logEvents, bucketEvents),
    lookupRegions,
    logFiles,
    lookupFailures,
    unreadableFiles,
    undatedRecords,
    bucketFailure,
  };
}

const safe = (r: IncidentReport): IncidentReport => redactValue(r) as IncidentReport;

/** One line per unreadable log file, and one for the records left out for want of a time. */
export function logWarnings(found: {
  unreadableFiles: UnreadableFile[];
  undatedRecords: UndatedRecord[];
}): string[] {
  const lines = found.unreadableFiles.map((f) =>
    f.skipped === "file" ? `skipped the unreadable log file ${f.file}: ${f.error}` : `${f.file}: ${f.error}`,
  );
  const undated = found.undatedRecords;
  if (undated.length > 0) {
    const named = undated
      .slice(0, 3)
      .map(
        (u) =>
          `${u.eventName || "?"} ${u.eventId || "(no id)"} in ${u.file} (time ${u.time === null ? "missing" : JSON.stringify(u.time)})`,
      )
      .join("; ");
    lines.push(
      `left out ${undated.length} record(s) of the key whose time cannot be read: ${named}${undated.length > 3 ? `; and ${undated.length - 3} more` : ""}`,
    );
  }
  return lines;
}

/** Events kept in a stored incident (a busy CI key can make 100,000 in 90 days). */
export const MAX_KEPT_EVENTS = 10_000;

/** Every classified event, then the newest unclassified ones, up to `max`; oldest first. */
export function boundEvents(events: TrailEvent[], max: number): TrailEvent[] {
  if (events.length <= max) return events;
  const keep = new Set<TrailEvent>();
  for (const e of events) {
    if (classifyEvent(e.eventName, e.eventSource, e.requestParameters) !== "other") keep.add(e);
  }
  for (let i = events.length - 1; i >= 0 && keep.size < max; i--) keep.add(events[i] as TrailEvent);
  return events.filter((e) => keep.has(e));
}

export async function respond(opts: RespondOptions, deps: RespondDeps): Promise<IncidentReport> {
  const started = opts.startedAt ?? deps.now();
  validateKeyId(opts.accessKeyId);
  const steps: InvestigationStep[] = [];
  const step = (what: string) => {
    steps.push({ at: deps.now().toISOString(), what });
  };
  const masked = maskKeyId(opts.accessKeyId);

  // 1. Contain. Only the calls containment needs, before anything slow: the key's account and its
  // user at once, then deactivate, then quarantine (4 calls on AWS). The caller's own account is
  // not asked: IAM answers GetAccessKeyLastUsed with a user name only for its own account's keys,
  // and UpdateAccessKey succeeds only for a key that user holds in the signed-in account, so a
  // successful deactivation proves the key is the caller's. The key's status is not read first
  // either: setting Inactive on an Inactive key changes nothing.
  const [keyAccount, userName] = await Promise.all([
    deps.iam.keyAccount(opts.accessKeyId),
    deps.iam.keyUserName && !opts.dryRun ? deps.iam.keyUserName(opts.accessKeyId) : null,
  ]);
  /** The checked way: the caller's account against the key's, then the owner and the key's status. */
  const locate = async () => {
    const caller = await deps.iam.callerAccount();
    if (keyAccount !== caller.accountId) {
      throw new ConflictError(
        "KEY_IN_OTHER_ACCOUNT",
        `${masked} belongs to account ${keyAccount}, but you are signed in to ${caller.accountId}`,
        `Run it with credentials for account ${keyAccount} (--profile NAME), or through the organization's role: --account ${keyAccount}.`,
      );
    }
    const found = await deps.iam.keyOwner(opts.accessKeyId);
    if (!found) {
      throw new ConflictError(
        "KEY_NOT_FOUND",
        `no IAM user in account ${caller.accountId} holds ${masked} (deleted already, or a root key)`,
        "For a root key, sign in as root and delete it under Security credentials; otherwise check the id.",
      );
    }
    return { caller, owner: found as { userName: string; status: string | null } };
  };
  let deactivatedFirst = false;
  let located: Awaited<ReturnType<typeof locate>>;
  if (userName !== null && deps.iam.partition) {
    try {
      await deps.iam.deactivate(userName, opts.accessKeyId);
    } catch (err) {
      await locate(); // a key of another account, or of nobody, says so; otherwise the error stands
      throw err;
    }
    deactivatedFirst = true;
    located = {
      caller: { accountId: keyAccount, partition: deps.iam.partition() },
      owner: { userName, status: null },
    };
  } else {
    located = await locate();
  }
  const { caller, owner } = located;
  step(
    `Found the key's owner: IAM user ${owner.userName} in account ${caller.accountId}; key status ${owner.status ?? "not read (set Inactive without reading it first)"}`,
  );
  /** Which policy containment attached, and why that one: for the log line and the record. */
  const quarantineWords = (q: AttachedQuarantine): string => {
    const name = q.arn.slice(q.arn.lastIndexOf("/") + 1);
    const missing = q.missing ?? [];
    return q.kind === "managed"
      ? `${name} attached to ${owner.userName} (the newest AWS quarantine policy the account has${missing.length > 0 ? `; it lacks ${missing.join(", ")}` : ""})`
      : `keywarden's own deny policy ${name} attached to ${owner.userName} (the account has none of ${missing.join(", ") || AWS_QUARANTINE_POLICIES.join(", ")})`;
  };

  const containment: Containment = {
    deactivated: false,
    quarantinePolicyArn: null,
    secondsToContain: null,
    planned: [],
    keyStatusBefore: owner.status,
    quarantineKind: null,
    dryRun: opts.dryRun,
    containedAt: null,
  };
  if (opts.dryRun) {
    // Which policy containment would attach: the newest AWS version the account has (read-only).
    const newest = deps.iam.newestQuarantinePolicy
      ? await deps.iam.newestQuarantinePolicy(caller)
      : `arn:${caller.partition}:iam::aws:policy/${AWS_QUARANTINE_POLICIES[0]}`;
    containment.planned = [
      owner.status !== "Inactive"
        ? `aws iam update-access-key --user-name ${owner.userName} --access-key-id ${opts.accessKeyId} --status Inactive`
        : `(the key is already Inactive)`,
      newest
        ? `aws iam attach-user-policy --user-name ${owner.userName} --policy-arn ${newest}`
        : `(the account has none of ${AWS_QUARANTINE_POLICIES.join(", ")}: keywarden's own deny policy policy/keywarden/KeywardenCompromisedKeyQuarantine would be created and attached)`,
    ];
    step("Dry run: containment planned, nothing changed");
    deps.log(`dry run: would deactivate ${masked} and quarantine ${owner.userName}; nothing changed`);
  } else {
    if (!deactivatedFirst && owner.status === "Active") {
      await deps.iam.deactivate(owner.userName, opts.accessKeyId);
    }
    containment.deactivated = true;
    const q = await deps.iam.attachQuarantine(owner.userName, caller);
    containment.quarantinePolicyArn = q.arn;
    containment.quarantineKind = q.kind;
    const at = deps.now();
    containment.containedAt = at.toISOString();
    containment.secondsToContain = Math.round((at.getTime() - started.getTime()) / 10) / 100;
    steps.push({
      at: containment.containedAt,
      what: `Contained: key Inactive, ${quarantineWords(q)}: ${q.arn}`,
    });
    deps.log(
      `contained ${masked} in ${containment.secondsToContain.toFixed(2)} s: key Inactive, ${quarantineWords(q)}`,
    );
  }

  // What the holder could do until now: the incident's scope, for the report and the person.
  let blastRadius: KeyBlastRadiusView | null | undefined;
  if (deps.blastRadius) {
    try {
      blastRadius = await deps.blastRadius(owner.userName, containment.quarantinePolicyArn);
      const classes = blastRadius?.classes.join(", ") ?? "unknown";
      const by = [...new Set((blastRadius?.grants ?? []).map((g) => `${g.policy} ${g.statement}`))].slice(
        0,
        3,
      );
      deps.log(
        `blast radius until containment: ${classes}${by.length > 0 ? ` (granted by ${by.join("; ")})` : ""}`,
      );
    } catch (e) {
      blastRadius = null;
      deps.log(
        `warning: could not read ${owner.userName}'s policies for the blast radius: ${(e as Error).message}`,
      );
    }
    step(`Blast radius until containment: ${blastRadius?.classes.join(", ") ?? "could not be read"}`);
  }

  const incidentId = deps.newIncidentId(started);
  const report: IncidentReport = {
    schemaVersion: 1,
    ...(blastRadius !== undefined ? { blastRadius } : {}),
    incidentId,
    accessKeyId: opts.accessKeyId,
    userName: owner.userName,
    accountId: caller.accountId,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    since: opts.since?.toISOString() ?? null,
    containment,
    events: [],
    eventCount: 0,
    eventsOmitted: 0,
    suspicious: [],
    created: [],
    checklist: [],
    categories: categoryCounts([]),
    sourceIPs: [],
    userAgents: [],
    regions: [],
    newSinceBaseline: null,
    sources: { lookupRegions: [], logFiles: 0, logPaths: opts.logPaths, lookupFailures: [] },
    steps,
  };
  report.checklist = buildChecklist({ ...report, eventsFound: 0 });
  // Saved now, so a crash during the slow part still leaves a record of what was changed.
  if (!opts.dryRun) await deps.save(safe(report));

  // 2. Investigate.
  const found = await collectEvents(deps, { ...opts, keepBucketFailure: true }, step);
  const events = found.events;
  report.events = boundEvents(events, MAX_KEPT_EVENTS);
  report.eventCount = events.length;
  report.eventsOmitted = events.length - report.events.length;
  // Events before --since are the owner's baseline, not the attacker's.
  const cut = opts.since?.toISOString() ?? "";
  report.suspicious = suspiciousEvents(events.filter((e) => e.eventTime >= cut));
  report.categories = categoryCounts(events);
  Object.assign(report, indicators(events));
  report.newSinceBaseline = newSince(events, opts.since);
  report.sources = {
    lookupRegions: found.lookupRegions,
    logFiles: found.logFiles,
    logPaths: opts.logPaths,
    lookupFailures: found.lookupFailures,
    unreadableFiles: found.unreadableFiles,
    undatedRecords: found.undatedRecords,
    ...(found.bucketFailure !== null ? { bucketFailure: found.bucketFailure } : {}),
  };
  if (found.bucketFailure !== null)
    deps.log(`warning: the trail bucket could not be read: ${found.bucketFailure}`);
  for (const f of found.lookupFailures) deps.log(`warning: LookupEvents failed in ${f.region}: ${f.error}`);
  for (const line of logWarnings(found)) deps.log(`warning: ${line}`);
  step(`Classified ${events.length} event(s): ${report.suspicious.length} suspicious`);

  // 3. Sweep.
  report.created = createdResources(events);
  step(`Found ${report.created.length} resource(s) created by the key`);
  if (opts.remediate && report.created.length > 0) {
    const port =
      typeof deps.remediation === "function" ? await deps.remediation(owner.userName) : deps.remediation;
    await remediate(report.created, opts.dryRun, port, deps, step);
  }

  // 4-5. Checklist and the finished report.
  report.checklist = buildChecklist({
    ...report,
    eventsFound: events.length,
    lookupFailures: found.lookupFailures,
    unreadableFiles: found.unreadableFiles,
    undatedRecords: found.undatedRecords,
    bucketFailure: found.bucketFailure,
  });
  report.finishedAt = deps.now().toISOString();
  step("Report written");
  // Events were redacted when read; this last pass covers what else came from outside (AWS error
  // text, names), so the store's secret guard can never refuse an incident after containment.
  const out = safe(report);
  await deps.save(out);
  return out;
}

/** Deepest first: policies and keys before the users and roles that hold them. */
const REMOVAL_ORDER: readonly string[] = [
  "ec2-security-group-ingress-rule",
  "ec2-security-group-egress-rule",
  "ec2-instance",
  ...IAM_REMOVABLE_TYPES,
];

async function remediate(
  created: CreatedResource[],
  dryRun: boolean,
  port: RemediationPort | undefined,
  deps: RespondDeps,
  step: (what: string) => void,
): Promise<void> {
  const removable = created.filter((c) => port?.supports(c));
  const at = () => deps.now().toISOString();
  for (const c of created) {
    if (!removable.includes(c))
      c.remediation = {
        status: "skipped",
        detail: "not removed automatically; run its command after review",
        at: at(),
      };
  }
  if (!port || removable.length === 0) return;
  if (dryRun) {
    for (const c of removable)
      c.remediation = { status: "skipped", detail: "dry run: would remove", at: at() };
    step(`Dry run: ${removable.length} resource(s) would be removed`);
    return;
  }
  const ok = await deps.confirm(`Remove ${removable.length} resource(s) the compromised key created?`);
  if (!ok) {
    for (const c of removable) c.remediation = { status: "skipped", detail: "not confirmed", at: at() };
    step("Remediation not confirmed: nothing removed");
    return;
  }
  const ordered = [...removable].sort(
    (a, b) => REMOVAL_ORDER.indexOf(a.type) - REMOVAL_ORDER.indexOf(b.type),
  );
  for (const c of ordered) {
    try {
      const detail = await port.remove(c);
      c.remediation = { status: "removed", detail, at: at() };
      deps.log(`removed ${c.type} ${c.id}`);
    } catch (err) {
      c.remediation = {
        status: "failed",
        detail: err instanceof Error ? err.message : String(err),
        at: at(),
      };
      deps.log(`could not remove ${c.type} ${c.id}: ${c.remediation.detail}`);
    }
  }
  const removed = ordered.filter((c) => c.remediation?.status === "removed").length;
  step(`Remediation: removed ${removed} of ${ordered.length} resource(s)`);
}
