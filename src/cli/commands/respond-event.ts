import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import { parseRegions, parseSince } from "../../response/inputs.js";
import { parseEvent } from "../../responder/events.js";
import type { HandlerResult } from "../../responder/handler.js";
import type { SessionDeps } from "../../responder/wiring.js";
import type { Store } from "../../store/types.js";
import { defaultFormat } from "../common-options.js";
import type { CliIO } from "../io.js";
import { writeOutput } from "../output.js";
import type { InvestigateFlags } from "./respond.js";

// `keywarden respond --event FILE`: the Lambda's path (src/responder/handler.ts) on a saved
// EventBridge event, so an operator can replay one and a test can drive it. The event file is read
// and checked before any AWS call; the claim in the store makes a replay of an event already
// handled a no-op, exactly as a redelivery to the Lambda is.

const FORMATS = ["markdown", "json", "html"] as const;

export interface EventFlags extends InvestigateFlags {
  dryRun?: boolean;
  yes?: boolean;
  remediate?: boolean;
  format?: (typeof FORMATS)[number];
  output?: string;
  athena?: boolean;
  engine?: string;
  /** The event names the key's account; --org's lookup has nothing to add. */
  org?: boolean;
}

/** The event file as a parsed event; every problem is one usage line (exit 2), before AWS. */
async function readEvent(file: string) {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(
      `--event ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      "Pass the path of a file holding the EventBridge event as delivered (JSON).",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `--event ${file}: not JSON (${(e as Error).message})`,
      "Save the event as EventBridge delivers it: one JSON object with id, source, detail-type, time and detail.",
    );
  }
  const parsed = parseEvent(raw);
  if (!parsed.ok && parsed.invalid) {
    throw new UsageError(
      `--event ${file}: ${parsed.reason}`,
      "Save the event as EventBridge delivers it: one JSON object with id, source, detail-type, time and detail.",
    );
  }
  return { raw, parsed };
}

export async function respondEventAction(file: string, flags: EventFlags, io: CliIO): Promise<number> {
  // What the event path does not do, said before anything else happens.
  const unsupported = [
    flags.remediate ? "--remediate" : null,
    (flags.logs ?? []).length > 0 ? "--logs" : null,
    flags.lookup === false ? "--no-lookup" : null,
    flags.athena || flags.engine !== undefined ? "--athena/--engine" : null,
    flags.org ? "--org" : null,
  ].filter((x): x is string => x !== null);
  if (unsupported.length > 0) {
    throw new UsageError(
      `--event takes the responder's path, which does not take ${unsupported.join(", ")}`,
      "Replay the event first, then run `keywarden respond KEY` with those flags on the key it contained.",
    );
  }
  const { raw, parsed } = await readEvent(file);
  const since = parseSince(flags.since, new Date());
  const regions = parseRegions(flags.regions?.join(","));
  if (!parsed.ok) {
    io.stderr.write(`keywarden: the event is not acted on: ${parsed.reason}. Nothing was changed.\n`);
    return 0;
  }
  const event = parsed.event;
  const dryRun = flags.dryRun === true;
  const wiring = await import("../aws-wiring.js");
  const keys = event.accessKeyIds.map(maskKeyId).join(", ");
  if (!dryRun && flags.yes !== true) {
    if (!process.stdin.isTTY || io.stderr.isTTY !== true) {
      throw new UsageError(
        `respond --event deactivates ${keys} and quarantines its user, and there is no terminal to confirm it`,
        "Pass --yes to contain now, or --dry-run to investigate without changing anything.",
      );
    }
    const ok = await wiring.confirmer(io, false)(`Contain ${keys} (${event.summary}) now?`);
    if (!ok) {
      io.stderr.write("keywarden: not confirmed; nothing changed.\n");
      return 1;
    }
  }

  const [{ handleEvent }, { respondDepsFor }] = await Promise.all([
    import("../../responder/handler.js"),
    import("../../responder/wiring.js"),
  ]);
  const session = wiring.sessionFor(wiring.awsTargetOf(flags), io, wiring.accountRoleOf(flags));
  let store: Promise<Store> | undefined;
  const opened: SessionDeps[] = [];
  const log = (line: string) => {
    io.stderr.write(`keywarden: ${line}\n`);
  };
  let result: HandlerResult;
  try {
    result = await handleEvent(raw, {
      // The claim is written before containment: the store opens first (no AWS call).
      store: () =>
        (store ??= import("../../store/open.js").then(({ openStore }) => openStore({ env: io.env }))),
      respondDeps: async (_e, save) => {
        const s = await respondDepsFor(await session, {
          save,
          log,
          now: () => new Date(),
          endpointUrl: flags.endpointUrl,
          maxAttempts: flags.maxAttempts,
        });
        opened.push(s);
        return s.deps;
      },
      // Notified as the Lambda notifies, from the same variables: a replay tells owner and team once.
      ...(io.env.KEYWARDEN_CONFIG_JSON || io.env.KEYWARDEN_SNS_TOPIC_ARN
        ? {
            channels: async () =>
              (await import("../../responder/lambda-notify.js")).lambdaChannels(io.env, await session, log),
            ownerOf: async (_e, report) =>
              (await import("../../responder/lambda-notify.js")).ownerOfUser(
                io.env,
                await session,
                report.userName,
              ),
          }
        : {}),
      worker: `${hostname()}:${process.pid}`,
      now: () => new Date(),
      log,
      regions,
      since,
      dryRun,
    });
  } finally {
    for (const s of opened) await s.close();
    await (await store?.catch(() => null))?.close();
  }
  return finish(result, flags, io);
}

async function finish(result: HandlerResult, flags: EventFlags, io: CliIO): Promise<number> {
  const reports = result.keys.flatMap((k) => (k.report ? [k.report] : []));
  if (reports.length > 0) {
    const { renderIncidentReport } = await import("../../response/render.js");
    const format = flags.format ?? defaultFormat(io, FORMATS, "markdown", flags.output);
    const text =
      format === "json" && reports.length > 1
        ? `${JSON.stringify(reports, null, 2)}\n`
        : reports.map((r) => renderIncidentReport(r, format)).join("\n");
    await writeOutput(io, text, flags.output, 0o600);
  }
  for (const k of result.keys) {
    io.stderr.write(
      `keywarden: ${k.key}: ${k.status}${k.incidentId ? ` (incident ${k.incidentId}; see \`keywarden incidents show ${k.incidentId}\`)` : ""}${k.status === "contained" ? "" : `: ${k.detail}`}\n`,
    );
  }
  // A key that could not be contained exits as `respond` would have (another account: 7...).
  const failed = result.keys.find((k) => k.status === "failed");
  if (failed) throw failed.error instanceof Error ? failed.error : new Error(failed.detail);
  const incomplete = reports.some((r) => r.sources.lookupFailures.length > 0);
  return incomplete ? 1 : 0;
}
