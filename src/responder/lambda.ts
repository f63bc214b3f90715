import { hostname } from "node:os";
import { UsageError } from "../domain/errors.js";
import { parseRegions } from "../response/inputs.js";
import type { AwsSession } from "../aws/session.js";
import { openSession } from "../aws/session.js";
import type { Store } from "../store/types.js";
import type { ResponderEvent } from "./events.js";
import { handleEvent, type HandlerResult } from "./handler.js";
import { respondDepsFor, type SessionDeps } from "./wiring.js";

// The AWS Lambda entry (Node 20), for EventBridge rules on aws.health, aws.guardduty and
// keywarden.scan. What it reads from its environment (the deploy command writes these):
//
//   KEYWARDEN_STORE             the store: a postgres:// URL (shared by concurrent invocations)
//   KEYWARDEN_STORE_SECRET_ARN  or a Secrets Manager secret holding that URL (read once per container)
//   KEYWARDEN_CONFIG_JSON       the policy file as JSON: notifications.channels, owners
//   KEYWARDEN_ORG_ROLE_NAME     the role assumed in a member account the event is about
//   KEYWARDEN_EXTERNAL_ID       the external id that role's trust policy asks for
//   KEYWARDEN_SNS_TOPIC_ARN     the team's topic: every incident is published there
//   KEYWARDEN_REGIONS           regions to investigate (comma list; default every enabled region)
//
// Before containment only the base session, the store (for the claim) and, for a member account,
// sts:AssumeRole are made; the policy, the channels, CloudTrail and EC2 load after it. A key that
// could not be contained fails the invocation, so Lambda's retry (at least once) tries again.

export interface LambdaContext {
  awsRequestId?: string;
  /** arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME: the function's own account, without a call. */
  invokedFunctionArn?: string;
}

/** The handler result without the reports (they are in the store): what goes to the function's log. */
export type LambdaResult = Omit<HandlerResult, "keys"> & {
  keys: Omit<HandlerResult["keys"][number], "report" | "error">[];
};

const line = (text: string) => {
  process.stdout.write(`keywarden: ${text}\n`);
};

/** A store URL from a secret: the URL itself, or JSON with `url`, or RDS's generated fields. */
export function storeUrlOfSecret(secret: string): string {
  const text = secret.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) return text;
  let j: Record<string, unknown>;
  try {
    // `null` is JSON too: it has no fields, rather than failing with a TypeError on reading one.
    j = (JSON.parse(text) ?? {}) as Record<string, unknown>;
  } catch {
    throw new UsageError(
      "KEYWARDEN_STORE_SECRET_ARN: the secret is neither a postgres:// URL nor JSON",
      "Store the URL (postgres://USER:PASSWORD@HOST:5432/DB), or RDS's JSON (username, password, host, port, dbname).",
    );
  }
  if (typeof j.url === "string") return j.url;
  const { username, password, host, port, dbname } = j as Record<string, string | number | undefined>;
  if (!username || !host) {
    throw new UsageError(
      "KEYWARDEN_STORE_SECRET_ARN: the secret's JSON has no url, and no username and host",
      "Store the URL, or RDS's JSON (username, password, host, port, dbname).",
    );
  }
  const auth = `${encodeURIComponent(String(username))}${password ? `:${encodeURIComponent(String(password))}` : ""}`;
  return `postgres://${auth}@${String(host)}:${String(port ?? 5432)}/${encodeURIComponent(String(dbname ?? "postgres"))}`;
}

/** A handler with its own per-container caches (the base session, the store, the own account). */
export function createHandler(env: NodeJS.ProcessEnv = process.env) {
  let base: Promise<AwsSession> | undefined;
  let store: Promise<Store> | undefined;
  let own: Promise<{ accountId: string; partition: string }> | undefined;
  const baseSession = () => (base ??= openSession({}, env));
  const openStoreOnce = () =>
    (store ??= (async () => {
      const { openStore } = await import("../store/open.js");
      const arn = env.KEYWARDEN_STORE_SECRET_ARN;
      if (arn) {
        const session = await baseSession();
        const { sdk } = await import("../aws/sdk.js");
        const { GetSecretValueCommand } = sdk.secretsManager();
        const r = await session.secretsManager().send(new GetSecretValueCommand({ SecretId: arn }));
        return openStore({ url: storeUrlOfSecret(r.SecretString ?? ""), env });
      }
      if (!env.KEYWARDEN_STORE) {
        throw new UsageError(
          "the responder has no store: set KEYWARDEN_STORE (a postgres:// URL) or KEYWARDEN_STORE_SECRET_ARN",
          "Deploy it with `keywarden deploy responder`, which sets them.",
        );
      }
      if (!/^postgres(ql)?:/i.test(env.KEYWARDEN_STORE))
        line("warning: KEYWARDEN_STORE is a SQLite file: events are deduplicated only within this container");
      return openStore({ env });
    })().catch((e: unknown) => {
      store = undefined; // a later invocation tries again
      throw e;
    }));

  /** The session for the event's account: its own, or the organization role in a member account. */
  async function sessionFor(e: ResponderEvent, context: LambdaContext | undefined): Promise<AwsSession> {
    const session = await baseSession();
    const roleName = env.KEYWARDEN_ORG_ROLE_NAME;
    if (!roleName) return session;
    const arn = context?.invokedFunctionArn?.split(":");
    own ??=
      arn && /^\d{12}$/.test(arn[4] ?? "")
        ? Promise.resolve({ accountId: arn[4] as string, partition: arn[1] ?? "aws" })
        : import("../aws/organizations.js").then(({ callerOf }) => callerOf(session));
    const me = await own;
    if (me.accountId === e.account) return session;
    const { assumeRoleSession } = await import("../aws/organizations.js");
    return assumeRoleSession(session, e.account, {
      roleName,
      externalId: env.KEYWARDEN_EXTERNAL_ID || undefined,
      sessionName: "keywarden-respond",
      partition: me.partition,
      target: {},
      env,
    });
  }

  return async (event: unknown, context?: LambdaContext): Promise<LambdaResult> => {
    const opened: SessionDeps[] = [];
    // One session per account and invocation: containment and the owner lookup share the role's
    // session (the owner lookup assumed the role a second time, with one more set of clients).
    const sessions = new Map<string, Promise<AwsSession>>();
    const sessionOf = (e: ResponderEvent): Promise<AwsSession> => {
      let s = sessions.get(e.account);
      if (!s) {
        s = sessionFor(e, context);
        sessions.set(e.account, s);
        void s.catch(() => sessions.delete(e.account)); // a refused role is asked again for the next key
      }
      return s;
    };
    let result: HandlerResult;
    try {
      result = await handleEvent(event, {
        store: openStoreOnce,
        respondDeps: async (e, save) => {
          const s = await respondDepsFor(await sessionOf(e), {
            save,
            log: line,
            now: () => new Date(),
          });
          opened.push(s);
          return s.deps;
        },
        channels: async () => {
          const { lambdaChannels } = await import("./lambda-notify.js");
          return lambdaChannels(env, await baseSession(), line);
        },
        ownerOf: async (e, report) => {
          const { ownerOfUser } = await import("./lambda-notify.js");
          return ownerOfUser(env, await sessionOf(e), report.userName);
        },
        worker: context?.awsRequestId ?? `${hostname()}:${process.pid}`,
        now: () => new Date(),
        log: line,
        regions: parseRegions(env.KEYWARDEN_REGIONS),
      });
    } finally {
      for (const s of opened) await s.close();
    }
    const out: LambdaResult = {
      ...result,
      keys: result.keys.map(({ report: _report, error: _error, ...k }) => k),
    };
    line(JSON.stringify(out));
    const failed = out.keys.filter((k) => k.status === "failed");
    // A failed invocation is retried by Lambda (and lands in its dead-letter queue in the end).
    if (failed.length > 0)
      throw new Error(`not contained: ${failed.map((k) => `${k.key}: ${k.detail}`).join("; ")}`);
    return out;
  };
}

/** `handler` in the function's configuration: lambda.handler in the bundle. */
export const handler = createHandler();
