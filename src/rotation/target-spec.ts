import { UsageError } from "../domain/errors.js";
import type { TargetSpec } from "./ports.js";

const FIX =
  "Targets are profile:NAME[@FILE], secretsmanager:SECRET_ID, ssm:/PARAM/NAME, dotenv:PATH or stdout.";

/** Parses one `--to` value. */
export function parseTargetSpec(raw: string): TargetSpec {
  if (raw === "stdout") return { kind: "stdout", ref: "-" };
  const colon = raw.indexOf(":");
  const kind = colon > 0 ? raw.slice(0, colon) : "";
  const rest = colon > 0 ? raw.slice(colon + 1) : "";
  if (rest === "") throw new UsageError(`"${raw}" is not a target`, FIX);
  switch (kind) {
    case "profile": {
      const at = rest.indexOf("@");
      const name = at >= 0 ? rest.slice(0, at) : rest;
      const file = at >= 0 ? rest.slice(at + 1) : "";
      if (!/^[\w.+-]+$/.test(name)) throw new UsageError(`"${name}" is not a profile name`, FIX);
      return file ? { kind, ref: name, file } : { kind, ref: name };
    }
    case "secretsmanager":
      if (!/^[\w/+=.@:-]{1,2048}$/.test(rest)) throw new UsageError(`"${rest}" is not a secret id`, FIX);
      return { kind, ref: rest };
    case "ssm":
      if (!/^\/?[\w./-]{1,2048}$/.test(rest)) throw new UsageError(`"${rest}" is not a parameter name`, FIX);
      return { kind, ref: rest };
    case "dotenv":
      return { kind, ref: rest };
    default:
      throw new UsageError(`"${raw}" is not a target`, FIX);
  }
}

export function formatTargetSpec(t: TargetSpec): string {
  if (t.kind === "stdout") return "stdout";
  if (t.kind === "profile" && t.file) return `profile:${t.ref}@${t.file}`;
  return `${t.kind}:${t.ref}`;
}
