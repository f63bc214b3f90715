import type { AuditReport } from "../domain/audit-report.js";
import type { LastUsedSource } from "../domain/types.js";
import { toAuditReportJson } from "../report/json.js";
import type { RecordStamp, Store, StoredRecord } from "../store/types.js";
import { AUDIT_KIND, type StoredAudit } from "./audit-records.js";
import { CompressedBody } from "./compress.js";
import { findingsPage, type FindingFilters } from "./findings-view.js";
import type { ActivityItem } from "./views.js";
import { keysReport } from "./views.js";

// What the dashboard's pages need from stored records, kept per process so no request re-reads or
// re-parses a stored audit (a large account's audit is megabytes of JSON: parsing it per request
// was most of /overview's and /keys' time). Every request still asks the store for the records'
// stamps (ids and update stamps, no payload: listRecordStamps), so an audit saved by another
// process (`keywarden audit --save`), replaced or deleted shows on the very next request.

/** The views of one stored audit version, each computed on first use. */
export class AuditViews {
  private keysBody: CompressedBody | null = null;
  private auditBody: CompressedBody | null = null;
  private allFindings: CompressedBody | null = null;

  constructor(
    readonly key: string,
    readonly audit: StoredAudit,
  ) {}

  /** GET /keys: the `keywarden keys --format json` contract. */
  keys(): CompressedBody {
    this.keysBody ??= CompressedBody.json(keysReport(this.audit.report, this.audit.lastUsedSources));
    return this.keysBody;
  }

  /** GET /audit: the `keywarden audit --format json` contract. */
  report(): CompressedBody {
    this.auditBody ??= CompressedBody.json(this.audit.report);
    return this.auditBody;
  }

  /** GET /findings: unfiltered (the page's first load) is kept; a filtered one is cheap to derive. */
  findings(filters: FindingFilters): CompressedBody {
    const unfiltered =
      filters.severity.length === 0 &&
      filters.rule === null &&
      filters.account === null &&
      filters.user === null;
    if (!unfiltered) return CompressedBody.json(findingsPage(this.audit.report, filters));
    this.allFindings ??= CompressedBody.json(findingsPage(this.audit.report, filters));
    return this.allFindings;
  }
}

const stampKey = (s: Pick<RecordStamp, "id" | "stamp">) => `${s.id}\u0000${s.stamp}`;

export interface ViewCacheCounters {
  /** Stored records whose payload was read (and parsed) from the store, by kind. */
  payloadReads: Record<string, number>;
}

export class ViewCache {
  private latest: AuditViews | null = null;
  /** Per kind, a small derived item per record version (the activity feed's lines). */
  private readonly items = new Map<string, Map<string, ActivityItem>>();
  readonly counters: ViewCacheCounters = { payloadReads: {} };

  constructor(private readonly store: Store) {}

  private async read(kind: string, id: string): Promise<StoredRecord | null> {
    this.counters.payloadReads[kind] = (this.counters.payloadReads[kind] ?? 0) + 1;
    return this.store.getRecord(kind, id);
  }

  /** The newest stored audit's views, or null when none is stored. */
  async latestAudit(): Promise<AuditViews | null> {
    const [stamp] = await this.store.listRecordStamps(AUDIT_KIND, { limit: 1 });
    if (!stamp) return (this.latest = null);
    const key = stampKey(stamp);
    if (this.latest?.key === key) return this.latest;
    const record = await this.read(AUDIT_KIND, stamp.id);
    // Deleted between the two reads: the next request sees the store as it is then.
    if (!record) return null;
    const data = record.data as unknown as AuditReport & { lastUsedSources?: Record<string, LastUsedSource> };
    const audit = { report: toAuditReportJson(data), lastUsedSources: data.lastUsedSources ?? {}, record };
    // Keyed by the stamp listed, not the record read: a replacement in between is re-read next time.
    this.latest = new AuditViews(key, audit);
    return this.latest;
  }

  /**
   * The activity lines of the newest `limit` records of a kind: a record's payload is read once per
   * version; lines of records no longer listed are dropped.
   */
  async activity(
    kind: string,
    limit: number,
    line: (r: StoredRecord) => ActivityItem,
  ): Promise<{ items: ActivityItem[]; key: string }> {
    const stamps = await this.store.listRecordStamps(kind, { limit });
    const before = this.items.get(kind) ?? new Map<string, ActivityItem>();
    const kept = new Map<string, ActivityItem>();
    for (const s of stamps) {
      const k = stampKey(s);
      let item = before.get(k);
      if (!item) {
        const r = await this.read(kind, s.id);
        if (!r) continue;
        item = line(r);
      }
      kept.set(k, item);
    }
    this.items.set(kind, kept);
    return { items: [...kept.values()], key: stamps.map(stampKey).join("\u0001") };
  }
}
