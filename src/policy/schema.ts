import { z } from "zod";
import { Cron } from "croner";
import { parseTargetSpec } from "../rotation/target-spec.js";
import { getRule } from "../rules/registry.js";
import { isAccessKeyId } from "../domain/key-id.js";

// The shape of keywarden.yaml. Every refinement reports a path, so the loader can turn it into the
// line and column of the offending node. Secrets never appear in the file: channels name the
// environment variables that hold them (`secretEnv`, `passwordEnv`, `webhookUrlEnv`).

const MAX_DAYS = 3650;
const day = z.number().int().min(0).max(MAX_DAYS);
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const envName = z
  .string()
  .regex(ENV_NAME, { error: "must be the NAME of an environment variable (A-Z, 0-9, _), not its value" });
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/;
const DURATION = /^(0|\d+(m|h|d|w))$/;
/** 0 (a number) or a duration string: 30m, 12h, 7d, 2w. */
const duration = z.union([z.literal(0), z.string().regex(DURATION)], {
  error: "must be a duration such as 0, 12h, 7d or 2w",
});

/** Rules whose timeline can act on a key, and the clock each one counts in. */
export const TIMELINE_RULES = {
  "access-key-rotation": { clock: "age", stages: ["warn", "rotate", "deactivate", "delete"] },
  "access-key-unused": { clock: "idle", stages: ["warn", "deactivate", "delete"] },
  "access-key-inactive-lingering": { clock: "age", stages: ["warn", "delete"] },
} as const;
export type TimelineRuleId = keyof typeof TIMELINE_RULES;

const thresholds = z.strictObject({
  rotationDays: day.optional(),
  expiringWithinDays: day.optional(),
  unusedDays: day.optional(),
  inactiveLingeringDays: day.optional(),
  newKeyGraceDays: day.optional(),
});

const timeline = z.strictObject({
  warn: day.optional(),
  rotate: day.optional(),
  deactivate: day.optional(),
  delete: day.optional(),
  /** Where the new secret goes, as `rotate --to`; {user} and {account} are replaced. */
  rotateTo: z.array(z.string()).min(1).optional(),
  observe: duration.optional(),
  soak: duration.optional(),
  /** Days before the next deadline when the owner hears about it. */
  notifyBefore: z.array(z.number().int().min(0).max(365)).optional(),
  /** Allow deactivating or deleting a key that was used in the last 24 hours. */
  touchRecentlyUsed: z.boolean().optional(),
});
export type Timeline = z.infer<typeof timeline>;

const ruleEntry = z.strictObject({
  enabled: z.boolean().optional(),
  /** Only the thresholds this rule reads (see `keywarden rules`); the same value wherever set. */
  thresholds: thresholds.optional(),
  timeline: timeline.optional(),
});

const exemption = z
  .strictObject({
    user: z.string().min(1).optional(),
    key: z.string().optional(),
    account: z
      .string()
      .regex(/^\d{12}$/, { error: "must be a 12-digit account id" })
      .optional(),
    reason: z
      .string({ error: "an exemption needs a reason" })
      .min(3, { error: "an exemption needs a reason" }),
    expires: z
      .string({ error: "an exemption needs an expiry date (expires: YYYY-MM-DD)" })
      .regex(DATE, { error: "must be a date YYYY-MM-DD" }),
  })
  .superRefine((e, ctx) => {
    if (!e.user && !e.key)
      ctx.addIssue({ code: "custom", message: "an exemption names a user or a key", path: [] });
    if (e.key !== undefined && !isAccessKeyId(e.key))
      ctx.addIssue({ code: "custom", message: "must be an access key id (AKIA...)", path: ["key"] });
  });
export type Exemption = z.infer<typeof exemption>;

const secretKeyNames = ["password", "secret", "token", "webhookUrl", "hmacKey", "pass"];
function noInlineSecrets(obj: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const k of secretKeyNames) {
    if (k in obj)
      ctx.addIssue({
        code: "custom",
        message: `secrets are never written in the policy file: name the environment variable with ${k}Env`,
        path: [k],
      });
  }
}
const loose = <T extends z.ZodRawShape>(shape: T) =>
  z.looseObject(shape).superRefine((o, ctx) => {
    noInlineSecrets(o, ctx);
    const known = new Set(Object.keys(shape));
    for (const k of Object.keys(o))
      if (!known.has(k) && !secretKeyNames.includes(k))
        ctx.addIssue({ code: "custom", message: `unknown field "${k}"`, path: [k] });
  });

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const channelName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, { error: "lower-case letters, digits, dashes" });
const slack = loose({ type: z.literal("slack"), name: channelName.optional(), webhookUrlEnv: envName });
const webhook = loose({
  type: z.literal("webhook"),
  name: channelName.optional(),
  url: httpUrl,
  secretEnv: envName,
  retries: z.number().int().min(0).max(10).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
});
const email = loose({
  type: z.literal("email"),
  name: channelName.optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean().optional(),
  requireTLS: z.boolean().optional(),
  rejectUnauthorized: z.boolean().optional(),
  userEnv: envName.optional(),
  passwordEnv: envName.optional(),
  from: z.email(),
  /** Who gets a message whose owner has no email address. */
  fallbackTo: z.array(z.email()).optional(),
});
const sns = loose({
  type: z.literal("sns"),
  name: channelName.optional(),
  topicArn: z
    .string()
    .regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, { error: "must be an SNS topic ARN" }),
  region: z.string().optional(),
});
const channel = z.discriminatedUnion("type", [slack, webhook, email, sns], {
  error: 'a channel needs "type": slack, webhook, email or sns',
});
export type ChannelConfig = z.infer<typeof channel>;

export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: "must be 1" }),
    thresholds: thresholds.optional(),
    rules: z.record(z.string(), ruleEntry).optional(),
    scope: z
      .strictObject({
        accounts: z
          .array(z.string().regex(/^\d{12}$/, { error: "must be a 12-digit account id" }))
          .optional(),
        userPaths: z
          .array(
            z
              .string()
              .regex(/^\/([\w+=,.@-]+\/)*$/, { error: "must be an IAM path such as / or /teams/ops/" }),
          )
          .optional(),
        tags: z.record(z.string(), z.string()).optional(),
        excludeUsers: z.array(z.string()).optional(),
        /** The role assumed in every listed account other than the caller's. */
        roleName: z
          .string()
          .regex(/^[\w+=,.@-]{1,64}$/, { error: "must be an IAM role name (not an ARN)" })
          .optional(),
        externalId: z
          .string()
          .regex(/^[\w+=,.@:/-]{2,1224}$/, { error: "must be 2 to 1224 characters of [\\w+=,.@:/-]" })
          .optional(),
      })
      .optional(),
    owners: z
      .strictObject({
        tags: z.array(z.string().min(1)).optional(),
        file: z.string().min(1).optional(),
        default: z.string().min(1).optional(),
      })
      .optional(),
    exemptions: z.array(exemption).optional(),
    enforcement: z
      .strictObject({
        maxChanges: z.number().int().min(0).max(10_000).optional(),
        namedKeys: z
          .array(z.string().refine(isAccessKeyId, { error: "must be an access key id (AKIA...)" }))
          .optional(),
        schedule: z.string().optional(),
      })
      .optional(),
    notifications: z
      .strictObject({
        notifyBefore: z.array(z.number().int().min(0).max(365)).optional(),
        digest: z.boolean().optional(),
        channels: z.array(channel).optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, { value: number; where: string }>();
    for (const [id, entry] of Object.entries(p.rules ?? {})) {
      if (!getRule(id)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown rule "${id}" (see \`keywarden rules\`)`,
          path: ["rules", id, "$key"],
        });
        continue;
      }
      checkRuleThresholds(id, entry.thresholds ?? {}, p.thresholds ?? {}, seen, ctx);
      if (entry.timeline) checkTimeline(id, entry.timeline, ctx);
    }
    const schedule = p.enforcement?.schedule;
    if (schedule !== undefined) {
      const problem = cronProblem(schedule);
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["enforcement", "schedule"] });
    }
    const names = new Set<string>();
    (p.notifications?.channels ?? []).forEach((c, i) => {
      const name = c.name ?? c.type;
      if (names.has(name))
        ctx.addIssue({
          code: "custom",
          message: `two channels are named "${name}"; give each a name`,
          path: ["notifications", "channels", i],
        });
      names.add(name);
    });
  });
export type PolicyDoc = z.infer<typeof policySchema>;

type ThresholdValues = Partial<Record<string, number>>;

/** A rule may set only the thresholds it reads, and never to a value another place contradicts. */
function checkRuleThresholds(
  id: string,
  own: ThresholdValues,
  global: ThresholdValues,
  seen: Map<string, { value: number; where: string }>,
  ctx: z.RefinementCtx,
): void {
  const reads: readonly string[] = getRule(id)?.meta.thresholds ?? [];
  for (const [name, value] of Object.entries(own)) {
    if (value === undefined) continue;
    const path = ["rules", id, "thresholds", name];
    if (!reads.includes(name)) {
      ctx.addIssue({
        code: "custom",
        message: `rule ${id} does not read ${name}; it reads ${reads.join(", ") || "no thresholds"}`,
        path: [...path, "$key"],
      });
      continue;
    }
    const other = global[name] !== undefined ? { value: global[name], where: "thresholds" } : seen.get(name);
    if (other && other.value !== value)
      ctx.addIssue({
        code: "custom",
        message: `${name} is ${value} here but ${other.value} in ${other.where}; rules share thresholds, so set it once`,
        path,
      });
    seen.set(name, { value, where: `rules.${id}.thresholds` });
  }
}

function checkTimeline(id: string, t: Timeline, ctx: z.RefinementCtx): void {
  const base = ["rules", id, "timeline"];
  const spec = TIMELINE_RULES[id as TimelineRuleId] as (typeof TIMELINE_RULES)[TimelineRuleId] | undefined;
  if (!spec) {
    ctx.addIssue({
      code: "custom",
      message: `rule ${id} has no per-key clock; timelines apply to ${Object.keys(TIMELINE_RULES).join(", ")}`,
      path: [...base, "$key"],
    });
    return;
  }
  const order = ["warn", "rotate", "deactivate", "delete"] as const;
  let prev: { stage: string; day: number } | null = null;
  for (const stage of order) {
    const d = t[stage];
    if (d === undefined) continue;
    if (!(spec.stages as readonly string[]).includes(stage)) {
      ctx.addIssue({
        code: "custom",
        message: `rule ${id} has no "${stage}" stage (it has ${spec.stages.join(", ")})`,
        path: [...base, stage, "$key"],
      });
      continue;
    }
    if (prev && d <= prev.day)
      ctx.addIssue({
        code: "custom",
        message: `${stage} (day ${d}) must come after ${prev.stage} (day ${prev.day})`,
        path: [...base, stage],
      });
    prev = { stage, day: d };
  }
  if (t.rotateTo) {
    if (t.rotate === undefined)
      ctx.addIssue({
        code: "custom",
        message: "rotateTo needs a rotate day",
        path: [...base, "rotateTo", "$key"],
      });
    t.rotateTo.forEach((raw, i) => {
      try {
        parseTargetSpec(expandTarget(raw, "user", "123456789012"));
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message, path: [...base, "rotateTo", i] });
      }
    });
  }
}

/** `secretsmanager:keys/{user}` for one user of one account. */
export function expandTarget(raw: string, userName: string, accountId: string): string {
  return raw.replaceAll("{user}", userName).replaceAll("{account}", accountId);
}

/** Why a cron expression is unusable, or null. Croner takes 5 fields (or 6 with seconds). */
export function cronProblem(expr: string): string | null {
  try {
    const job = new Cron(expr, { paused: true });
    const next = job.nextRun();
    job.stop();
    return next ? null : `cron expression "${expr}" never fires`;
  } catch (e) {
    return `"${expr}" is not a cron expression (${(e as Error).message.replace(/\.$/, "")}); use 5 fields such as "0 6 * * *"`;
  }
}
