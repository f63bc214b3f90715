// The AWS calls of `keywarden doctor` (the DoctorProbe port of src/credentials/doctor/ports.ts).
//
// - live(): resolves the credentials the way the SDK does for the profile (or the environment) and
//   calls sts:GetCallerIdentity with them: the only request signed with the key under test. A
//   deserialize-step middleware records the Date header of every response, errors included, so the
//   clock can be compared with AWS's even when the call fails (or when the SDK silently corrected
//   its own clock and retried).
// - admin(): an --admin-profile session for the IAM reads: who owns a key, its status and age, and
//   whether the caller may take the next steps (iam:SimulatePrincipalPolicy, else its policies).
//
// Every call returns an Outcome: failures are data, classified by mapAwsError, with AWS's own error
// code and first message line; the resolved secret and session token are removed from any text.
import {
  GetAccessKeyLastUsedCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  SimulatePrincipalPolicyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { GetAccessKeyInfoCommand, GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { DeserializeMiddleware, MetadataBearer } from "@smithy/types";
import type {
  AdminProbe,
  ClockSample,
  DoctorProbe,
  Identity,
  KeyMeta,
  LastUse,
  LiveResult,
  LiveTarget,
  Outcome,
  PolicySource,
  ProbeError,
  SimDecision,
} from "../credentials/doctor/ports.js";
import { mapAwsError } from "./errors.js";
import { openSession, type AwsSession, type AwsTarget } from "./session.js";

export interface DoctorProbeOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Attempts per call (default 2: doctor should answer quickly, and one retry lets the SDK fix its clock). */
  readonly maxAttempts?: number | undefined;
  /** Test seam: middleware on every client (see AwsTarget.configureClient). */
  readonly configureClient?: AwsTarget["configureClient"];
  /** Local time in epoch ms, compared with the server's Date header. */
  readonly clock?: () => number;
}

const NETWORK = /^E[A-Z]+$/;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function awsCodeOf(err: unknown): string {
  for (let cur: unknown = err, depth = 0; cur !== null && typeof cur === "object" && depth < 5; depth++) {
    const c = (cur as ErrorShape).code;
    if (typeof c === "string" && NETWORK.test(c)) return c;
    cur = (cur as ErrorShape).cause;
  }
  const name = (err as ErrorShape | null)?.name;
  return typeof name === "string" ? name : "Error";
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("****");
  return out;
}

function probeError(
  err: unknown,
  operation: string,
  permission: string,
  secrets: readonly string[],
): ProbeError {
  const mapped = mapAwsError(err, { operation, permission });
  const e = (err ?? {}) as ErrorShape;
  const raw = typeof e.message === "string" ? e.message : String(err);
  const first = (raw.split("\n")[0] ?? "").trim();
  return {
    code: mapped.code,
    awsCode: awsCodeOf(err),
    message: scrub(first, secrets),
    httpStatus: e.$metadata?.httpStatusCode ?? null,
    permission,
  };
}

async function attempt<T>(
  operation: string,
  permission: string,
  fn: () => Promise<T>,
  secrets: readonly string[] = [],
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: probeError(err, operation, permission, secrets) };
  }
}

function dateHeader(response: unknown): number | null {
  if (response === null || typeof response !== "object") return null;
  const headers = (response as { headers?: unknown }).headers;
  if (headers === null || typeof headers !== "object") return null;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() !== "date" || typeof v !== "string") continue;
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** Records the Date header of every response the client receives, error responses included. */
function captureClock(client: STSClient, clock: () => number, onSample: (s: ClockSample) => void): void {
  const record = (response: unknown): void => {
    const serverMs = dateHeader(response);
    if (serverMs !== null) onSample({ serverMs, localMs: clock() });
  };
  const mw: DeserializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
    try {
      const out = await next(args);
      record(out.response);
      return out;
    } catch (err) {
      record((err as { $response?: unknown } | null)?.$response);
      throw err;
    }
  };
  // High priority in the deserialize step: outside the deserializer, so the raw response of an
  // error is on the error's $response; inside the retry loop, so every attempt is seen.
  client.middlewareStack.add(mw, {
    step: "deserialize",
    priority: "high",
    name: "keywardenDoctorClock",
    override: true,
  });
}

function identityOf(out: { Account?: string; Arn?: string; UserId?: string }): Identity {
  return { account: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" };
}

async function callerIdentity(sts: STSClient, secrets: readonly string[] = []): Promise<Outcome<Identity>> {
  return attempt(
    "GetCallerIdentity",
    "sts:GetCallerIdentity",
    async () => identityOf(await sts.send(new GetCallerIdentityCommand({}))),
    secrets,
  );
}

async function openOrFail(target: AwsTarget, env: NodeJS.ProcessEnv): Promise<Outcome<AwsSession>> {
  return attempt("GetCallerIdentity", "sts:GetCallerIdentity", () => openSession(target, env));
}

function decodePolicy(doc: string): string {
  return doc.trim().startsWith("{") ? doc : decodeURIComponent(doc);
}

const MFA_CONTEXT = [
  {
    ContextKeyName: "aws:MultiFactorAuthPresent",
    ContextKeyValues: ["true"],
    ContextKeyType: "boolean" as const,
  },
  { ContextKeyName: "aws:MultiFactorAuthAge", ContextKeyValues: ["0"], ContextKeyType: "numeric" as const },
];

function decisionOf(s: string | undefined): SimDecision {
  return s === "allowed" || s === "explicitDeny" || s === "implicitDeny" ? s : "unknown";
}

/** Reads every page of a Marker/IsTruncated IAM listing. */
async function allPages<T>(
  fetch: (marker: string | undefined) => Promise<{ items: T[]; IsTruncated?: boolean; Marker?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await fetch(marker);
    out.push(...r.items);
    if (r.IsTruncated !== true || !r.Marker) break;
    marker = r.Marker;
  }
  return out;
}

function adminProbe(session: AwsSession, identity: Outcome<Identity>): AdminProbe {
  const iam = (): IAMClient => session.iam();

  async function managedPolicy(arn: string, boundary: boolean): Promise<PolicySource> {
    const policy = await iam().send(new GetPolicyCommand({ PolicyArn: arn }));
    const version = await iam().send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy?.DefaultVersionId }),
    );
    return {
      name: `${boundary ? "permissions boundary" : "managed policy"} ${arn}`,
      boundary,
      document: decodePolicy(version.PolicyVersion?.Document ?? ""),
    };
  }

  return {
    identity,
    keyOwner: (accessKeyId) =>
      attempt("GetAccessKeyLastUsed", "iam:GetAccessKeyLastUsed", async () => {
        const out = await iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
        const u = out.AccessKeyLastUsed;
        const known = (s: string | undefined) => (s === undefined || s === "" || s === "N/A" ? null : s);
        const lastUse: LastUse = {
          date: u?.LastUsedDate ?? null,
          service: known(u?.ServiceName),
          region: known(u?.Region),
        };
        if (!out.UserName) throw Object.assign(new Error("no user owns the key"), { name: "NoSuchEntity" });
        return { userName: out.UserName, lastUse };
      }),
    listKeys: (userName) =>
      attempt("ListAccessKeys", "iam:ListAccessKeys", () =>
        allPages<KeyMeta>(async (Marker) => {
          const out = await iam().send(new ListAccessKeysCommand({ UserName: userName, Marker }));
          return {
            ...out,
            items: (out.AccessKeyMetadata ?? []).map((k) => ({
              accessKeyId: k.AccessKeyId ?? "",
              status: k.Status ?? "Unknown",
              createDate: k.CreateDate ?? null,
            })),
          };
        }),
      ),
    keyAccount: (accessKeyId) =>
      attempt("GetAccessKeyInfo", "sts:GetAccessKeyInfo", async () => {
        const out = await session.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId }));
        return out.Account ?? "";
      }),
    simulate: (principalArn, actions, resource, withMfa) =>
      attempt("SimulatePrincipalPolicy", "iam:SimulatePrincipalPolicy", () =>
        allPages(async (Marker) => {
          const out = await iam().send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: principalArn,
              ActionNames: [...actions],
              ResourceArns: resource === "*" ? undefined : [resource],
              ContextEntries: withMfa ? MFA_CONTEXT : undefined,
              Marker,
            }),
          );
          return {
            ...out,
            items: (out.EvaluationResults ?? []).map((r) => ({
              action: r.EvalActionName ?? "",
              decision: decisionOf(r.EvalDecision),
            })),
          };
        }),
      ),
    userPolicies: (userName) =>
      attempt("ListAttachedUserPolicies", "iam:ListAttachedUserPolicies", async () => {
        const out: PolicySource[] = [];
        const user = await iam().send(new GetUserCommand({ UserName: userName }));
        const boundaryArn = user.User?.PermissionsBoundary?.PermissionsBoundaryArn;
        if (boundaryArn) out.push(await managedPolicy(boundaryArn, true));
        const inline = await allPages(async (Marker) => {
          const r = await iam().send(new ListUserPoliciesCommand({ UserName: userName, Marker }));
          return { ...r, items: r.PolicyNames ?? [] };
        });
        for (const name of inline) {
          const p = await iam().send(new GetUserPolicyCommand({ UserName: userName, PolicyName: name }));
          out.push({
            name: `inline policy ${name} of user ${userName}`,
            boundary: false,
            document: decodePolicy(p.PolicyDocument ?? ""),
          });
        }
        const attached = await allPages(async (Marker) => {
          const r = await iam().send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker }));
          return { ...r, items: r.AttachedPolicies ?? [] };
        });
        for (const a of attached) if (a.PolicyArn) out.push(await managedPolicy(a.PolicyArn, false));
        const groups = await allPages(async (Marker) => {
          const r = await iam().send(new ListGroupsForUserCommand({ UserName: userName, Marker }));
          return { ...r, items: r.Groups ?? [] };
        });
        for (const g of groups) {
          const group = g.GroupName ?? "";
          const names = await allPages(async (Marker) => {
            const r = await iam().send(new ListGroupPoliciesCommand({ GroupName: group, Marker }));
            return { ...r, items: r.PolicyNames ?? [] };
          });
          for (const name of names) {
            const p = await iam().send(new GetGroupPolicyCommand({ GroupName: group, PolicyName: name }));
            out.push({
              name: `inline policy ${name} of group ${group}`,
              boundary: false,
              document: decodePolicy(p.PolicyDocument ?? ""),
            });
          }
          const groupAttached = await allPages(async (Marker) => {
            const r = await iam().send(new ListAttachedGroupPoliciesCommand({ GroupName: group, Marker }));
            return { ...r, items: r.AttachedPolicies ?? [] };
          });
          for (const a of groupAttached) if (a.PolicyArn) out.push(await managedPolicy(a.PolicyArn, false));
        }
        return out;
      }),
  };
}

export function awsDoctorProbe(opts: DoctorProbeOptions): DoctorProbe {
  const clock = opts.clock ?? (() => Date.now());
  const maxAttempts = opts.maxAttempts ?? 2;
  return {
    async live(target: LiveTarget): Promise<LiveResult> {
      const opened = await openOrFail(
        {
          profile: target.profile ?? undefined,
          region: target.region,
          endpointUrl: target.endpointUrl,
          maxAttempts,
          configureClient: opts.configureClient,
        },
        opts.env,
      );
      if (!opened.ok) return { accessKeyId: null, temporary: false, identity: opened, clock: null };
      const session = opened.value;
      // Resolve first, so the key id is known even when the call fails (the chain may run a
      // credential_process or AssumeRole here, exactly as the SDK does for any call).
      const creds = await attempt("GetCallerIdentity", "sts:GetCallerIdentity", () => session.credentials());
      if (!creds.ok) return { accessKeyId: null, temporary: false, identity: creds, clock: null };
      const { accessKeyId, secretAccessKey, sessionToken } = creds.value;
      const secrets = [secretAccessKey, sessionToken ?? ""];
      let sample: ClockSample | null = null;
      const sts = session.sts();
      captureClock(sts, clock, (s) => (sample = s));
      const identity = await callerIdentity(sts, secrets);
      return { accessKeyId, temporary: Boolean(sessionToken), identity, clock: sample };
    },

    async admin(profile: string, region: string, endpointUrl: string | undefined): Promise<AdminProbe> {
      const opened = await openOrFail(
        { profile, region, endpointUrl, maxAttempts, configureClient: opts.configureClient },
        opts.env,
      );
      if (!opened.ok) {
        const failed: Outcome<never> = opened;
        const no = () => Promise.resolve(failed);
        return {
          identity: failed,
          keyOwner: no,
          listKeys: no,
          keyAccount: no,
          simulate: no,
          userPolicies: no,
        };
      }
      const session = opened.value;
      return adminProbe(session, await callerIdentity(session.sts()));
    },
  };
}
