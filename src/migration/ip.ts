// IPv4 helpers for reading where a key's calls came from. keywarden ships no copy of AWS's
// address ranges (they change weekly): a user who wants them passes ip-ranges.json with
// --aws-ip-ranges, and only its EC2 prefixes (where instances, tasks and functions get their
// public addresses) are used.

export interface IpRange {
  base: number;
  mask: number;
  /** "192.0.2.0/24" as written. */
  cidr: string;
  region: string | null;
}

function ipv4(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

export function parseCidr(cidr: string, region: string | null = null): IpRange | null {
  const [addr, bits] = cidr.split("/");
  const base = ipv4(addr ?? "");
  const n = Number(bits);
  if (base === null || !Number.isInteger(n) || n < 0 || n > 32) return null;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return { base: (base & mask) >>> 0, mask, cidr, region };
}

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]
  .map((c) => parseCidr(c))
  .filter((r): r is IpRange => r !== null);

export function inRanges(ip: string, ranges: IpRange[]): boolean {
  const n = ipv4(ip);
  if (n === null) return false;
  return ranges.some((r) => (n & r.mask) >>> 0 === r.base);
}

/** RFC 1918 and carrier-grade NAT space: a call from there reached AWS through a VPC endpoint. */
export function isPrivateIp(ip: string): boolean {
  return inRanges(ip, PRIVATE);
}

/** The EC2 prefixes of AWS's ip-ranges.json; throws on a file of another shape. */
export function awsRangesOf(json: unknown): IpRange[] {
  const prefixes = (json as { prefixes?: unknown }).prefixes;
  if (!Array.isArray(prefixes)) throw new Error('it has no "prefixes" list (is it ip-ranges.json?)');
  const out: IpRange[] = [];
  for (const p of prefixes as { ip_prefix?: string; service?: string; region?: string }[]) {
    if (p.service !== "EC2" || !p.ip_prefix) continue;
    const r = parseCidr(p.ip_prefix, p.region ?? null);
    if (r) out.push(r);
  }
  return out;
}
