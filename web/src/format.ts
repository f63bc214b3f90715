// The CLI's own masking (a pure module with no imports), so the page and the CLI show keys alike.
export { maskKeyId } from "../../src/domain/key-id.js";

/** "2026-11-21 14:03 UTC": one unambiguous form everywhere on the page. */
export function when(iso: string | null): string {
  if (!iso) return "never";
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

export function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : "never";
}

/** "in 3 h", "2 d ago". */
export function relative(iso: string, now: Date = new Date()): string {
  const ms = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(ms);
  if (abs < 60_000) return "just now";
  const unit =
    abs >= 86_400_000
      ? `${Math.round(abs / 86_400_000)} d`
      : abs >= 3_600_000
        ? `${Math.round(abs / 3_600_000)} h`
        : `${Math.max(1, Math.round(abs / 60_000))} min`;
  return ms >= 0 ? `in ${unit}` : `${unit} ago`;
}
