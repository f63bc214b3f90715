// Parses the IAM credential report (CSV, 22 columns as documented by AWS) into typed rows.

export interface ReportKeySlot {
  slot: 1 | 2;
  active: boolean;
  lastRotatedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedRegion: string | null;
  lastUsedService: string | null;
}

export interface ReportRow {
  user: string;
  arn: string;
  userCreatedAt: Date | null;
  /** null for the root row, where AWS writes not_supported. */
  passwordEnabled: boolean | null;
  passwordLastUsedAt: Date | null;
  mfaActive: boolean;
  /** Only the slots that hold a key (last_rotated is a date). */
  keys: ReportKeySlot[];
}

export const ROOT_USER = "<root_account>";

const REQUIRED_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
];

/** AWS writes N/A, no_information or not_supported where there is no value. */
function value(s: string | undefined): string | null {
  if (s === undefined) return null;
  const t = s.trim();
  return t === "" || t === "N/A" || t === "no_information" || t === "not_supported" ? null : t;
}

function date(s: string | undefined): Date | null {
  const v = value(s);
  if (v === null) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function bool(s: string | undefined): boolean | null {
  const v = value(s)?.toLowerCase();
  return v === "true" ? true : v === "false" ? false : null;
}

/** RFC 4180 fields; the report does not quote today, but a user name could need it one day. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export class CredentialReportFormatError extends Error {}

export function parseCredentialReport(csv: string): ReportRow[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = splitCsvLine(lines[0] ?? "");
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new CredentialReportFormatError(`credential report lacks columns: ${missing.join(", ")}`);
  }
  const col = (cells: string[], name: string) => cells[header.indexOf(name)];
  return lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    const keys: ReportKeySlot[] = [];
    for (const slot of [1, 2] as const) {
      const lastRotatedAt = date(col(cells, `access_key_${slot}_last_rotated`));
      if (lastRotatedAt === null) continue;
      keys.push({
        slot,
        active: bool(col(cells, `access_key_${slot}_active`)) ?? false,
        lastRotatedAt,
        lastUsedAt: date(col(cells, `access_key_${slot}_last_used_date`)),
        lastUsedRegion: value(col(cells, `access_key_${slot}_last_used_region`)),
        lastUsedService: value(col(cells, `access_key_${slot}_last_used_service`)),
      });
    }
    return {
      user: col(cells, "user") ?? "",
      arn: col(cells, "arn") ?? "",
      userCreatedAt: date(col(cells, "user_creation_time")),
      passwordEnabled: bool(col(cells, "password_enabled")),
      passwordLastUsedAt: date(col(cells, "password_last_used")),
      mfaActive: bool(col(cells, "mfa_active")) ?? false,
      keys,
    };
  });
}
