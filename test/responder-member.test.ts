import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from "@aws-sdk/client-iam";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../src/responder/lambda.js";
import { CLAIM_KIND } from "../src/responder/state.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/types.js";
import { startActionRecorder, type ActionRecorder } from "./helpers/action-recorder.js";
import { startPgCluster, type PgCluster } from "./store/pg-cluster.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator, type Credentials } from "./emulator/harness.js";

// The Lambda entry's two paths test/responder.test.ts leaves out, in-process against the emulator
// through the real SDK: a key in a member account (contained there through the organization role),
// and the store's URL read from Secrets Manager and pointing at a real PostgreSQL server.
//
// What moto 5.2.1 does not enforce, so nothing here asserts it: sts:AssumeRole succeeds for a role
// that does not exist (so the member account has none here) and ignores ExternalId (no trust policy
// is read). The request's RoleArn and ExternalId are therefore checked as sent, and the refused
// AssumeRole is produced the one way moto refuses it: the function's own identity may not call it.

const emu = useEmulator();
const MEMBER = "210987654321";
const ROLE = "KeywardenResponder";
const EXTERNAL_ID = "kw-ext-7f3a";
const CONTEXT = {
  awsRequestId: "req-1",
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:keywarden-responder`,
};
let recorder: ActionRecorder;
let storePath: string;

async function leakedKey(accountId: string, user: string): Promise<string> {
  const iam = emu.iamIn(accountId);
  await iam.send(new CreateUserCommand({ UserName: user }));
  await iam.send(
    new TagUserCommand({ UserName: user, Tags: [{ Key: "owner", Value: `${user}@${accountId}` }] }),
  );
  return (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey?.AccessKeyId ?? "";
}

async function stateOf(accountId: string, user: string) {
  const iam = emu.iamIn(accountId);
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: user }));
  const pol = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: user }));
  return {
    status: keys.AccessKeyMetadata?.[0]?.Status,
    policies: (pol.AttachedPolicies ?? []).map((p) => p.PolicyName),
  };
}
const UNTOUCHED = { status: "Active", policies: [] };
// V4: the newest AWS quarantine policy, which beforeAll gives both accounts.
const QUARANTINED = { status: "Inactive", policies: ["AWSCompromisedKeyQuarantineV4"] };

/** AWS Health's sample event about `key`, in `account` (the fixture's own id replaced everywhere). */
const HEALTH = new URL("./fixtures/events/health-credentials-exposed.json", import.meta.url);
function healthEvent(key: string, account: string): unknown {
  const text = readFileSync(HEALTH, "utf8");
  return JSON.parse(text.replaceAll("AKIAIOSFODNN7EXAMPLE", key).replaceAll(ACCOUNT_ID, account));
}

function env(endpoint: string, extra: Record<string, string> = {}, creds: Credentials = DUMMY_CREDENTIALS) {
  // The SDK's environment provider reads process.env itself (in Lambda, the function's role keys).
  vi.stubEnv("AWS_ACCESS_KEY_ID", creds.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", creds.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_REGION: REGION,
    KEYWARDEN_REGIONS: REGION,
    ...extra,
  };
}

const calls = () => recorder.calls.map((c) => `${c.call} ${c.status}`);

async function recordsIn(open: () => Promise<Store>, kind: string) {
  const store = await open();
  try {
    return await store.listRecords(kind);
  } finally {
    await store.close();
  }
}
const sqliteRecords = (kind: string) => recordsIn(() => openSqliteStore(storePath), kind);

/** respond's containment: the key's account and its user at once, then deactivate, then quarantine. */
function expectRespondContainment(seen: string[]): void {
  expect([...seen.slice(0, 2)].sort()).toEqual(["iam:GetAccessKeyLastUsed 200", "sts:GetAccessKeyInfo 200"]);
  expect(seen.slice(2, 4)).toEqual(["iam:UpdateAccessKey 200", "iam:AttachUserPolicy 200"]);
}

/** A pass-through in front of the recorder keeping AssumeRole's parameters (the recorder keeps only
 * the action), and the webhook's receiver: the owner each incident went to. */
async function spyProxy(upstream: string) {
  const target = new URL(upstream);
  const seen: URLSearchParams[] = [];
  const owners: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/hook") {
        owners.push((JSON.parse(body.toString("utf8")) as { owner: string }).owner);
        res.writeHead(200).end("ok");
        return;
      }
      const params = new URLSearchParams(body.toString("utf8"));
      if (params.get("Action") === "AssumeRole") seen.push(params);
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("error", () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => {
        r();
      });
    });
  return { url, seen, owners, close };
}

beforeAll(async () => {
  // moto has AWSCompromisedKeyQuarantineV4 only when asked, per account, as AWS accounts do today.
  for (const account_id of [ACCOUNT_ID, MEMBER]) {
    const r = await fetch(new URL("/_test/iam/managed-policies", emu.endpoint), {
      method: "POST",
      body: JSON.stringify({ account_id, add: ["AWSCompromisedKeyQuarantineV4"] }),
    });
    expect(r.ok).toBe(true);
  }
});
beforeEach(async () => {
  recorder = await startActionRecorder(emu.endpoint);
  storePath = join(await mkdtemp(join(tmpdir(), "kw-responder-member-")), "keywarden.db");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await recorder.close();
});

describe("a key in a member account", () => {
  it("assumes the organization role first, then contains the key there, not the own account's namesake", async () => {
    const key = await leakedKey(MEMBER, "ci-deployer");
    await leakedKey(ACCOUNT_ID, "ci-deployer");
    const spy = await spyProxy(recorder.url);
    try {
      const handler = createHandler(
        env(spy.url, {
          KEYWARDEN_STORE: storePath,
          KEYWARDEN_ORG_ROLE_NAME: ROLE,
          KEYWARDEN_EXTERNAL_ID: EXTERNAL_ID,
          KEYWARDEN_CONFIG_JSON: JSON.stringify({
            version: 1,
            notifications: { channels: [{ type: "webhook", url: `${spy.url}/hook`, secretEnv: "KW_HOOK" }] },
          }),
          KW_HOOK: "hook-signing-secret",
        }),
      );
      const result = await handler(healthEvent(key, MEMBER), CONTEXT);
      expect(result.keys).toEqual([expect.objectContaining({ status: "contained" })]);
      // The role before anything else; the own account is known from the function's ARN, not asked.
      expect(calls()[0]).toBe("sts:AssumeRole 200");
      expectRespondContainment(calls().slice(1));
      expect(calls()).not.toContain("sts:GetCallerIdentity 200");
      expect(spy.seen[0]?.get("RoleArn")).toBe(`arn:aws:iam::${MEMBER}:role/${ROLE}`);
      expect(spy.seen[0]?.get("ExternalId")).toBe(EXTERNAL_ID);
      expect(await stateOf(MEMBER, "ci-deployer")).toEqual(QUARANTINED);
      expect(await stateOf(ACCOUNT_ID, "ci-deployer")).toEqual(UNTOUCHED);
      const incidents = await sqliteRecords("incident");
      expect(incidents.map((r) => r.data)).toEqual([
        expect.objectContaining({ accessKeyId: key, accountId: MEMBER, userName: "ci-deployer" }),
      ]);
      // The owner is read from the member's user's tags, not from the own account's namesake.
      expect(spy.owners).toEqual([`ci-deployer@${MEMBER}`]);
      // ...through the same role session: one AssumeRole an invocation, however many steps use it.
      expect(calls().filter((c) => c.startsWith("sts:AssumeRole"))).toEqual(["sts:AssumeRole 200"]);
    } finally {
      await spy.close();
    }
  }, 180_000);

  it.each([
    ["known from the function's ARN", CONTEXT, []],
    ["asked of STS when the context has no ARN", { awsRequestId: "req-1" }, ["sts:GetCallerIdentity 200"]],
  ])(
    "an event about the function's own account (%s) assumes no role",
    async (_, context, asked) => {
      const user = `own-${asked.length}`;
      const key = await leakedKey(ACCOUNT_ID, user);
      const handler = createHandler(
        env(recorder.url, { KEYWARDEN_STORE: storePath, KEYWARDEN_ORG_ROLE_NAME: ROLE }),
      );
      const result = await handler(healthEvent(key, ACCOUNT_ID), context);
      expect(result.keys[0]?.status).toBe("contained");
      expect(calls().filter((c) => /^sts:(AssumeRole|GetCallerIdentity) /.test(c))).toEqual(asked);
      expectRespondContainment(calls().slice(asked.length));
      expect(await stateOf(ACCOUNT_ID, user)).toEqual(QUARANTINED);
    },
    180_000,
  );

  it("a refused AssumeRole fails the invocation, touches no key, and releases the claim for the retry", async () => {
    const key = await leakedKey(MEMBER, "ci-refused");
    await leakedKey(ACCOUNT_ID, "ci-refused");
    // The function's identity may do anything but assume a role (moto checks this only with auth on).
    const fn = await emu.createAdmin("fn-no-assume");
    const deny = { Effect: "Deny", Action: "sts:AssumeRole", Resource: "*" };
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [deny] });
    await emu
      .iam()
      .send(new PutUserPolicyCommand({ UserName: fn.userName, PolicyName: "no", PolicyDocument: doc }));
    const vars = env(recorder.url, { KEYWARDEN_STORE: storePath, KEYWARDEN_ORG_ROLE_NAME: ROLE }, fn);
    const e = healthEvent(key, MEMBER);
    await emu.client.setAuth(true);
    try {
      const handler = createHandler(vars);
      await expect(handler(e, CONTEXT)).rejects.toThrow(/^not contained: .*AssumeRole/);
      expect(calls()).toEqual(["sts:AssumeRole 403"]);
      expect(await sqliteRecords(CLAIM_KIND)).toEqual([]);
      // Lambda's retry: the released claim lets it try again, and it is refused again.
      await expect(handler(e, { ...CONTEXT, awsRequestId: "req-2" })).rejects.toThrow(/not contained/);
      expect(calls()).toEqual(["sts:AssumeRole 403", "sts:AssumeRole 403"]);
    } finally {
      await emu.client.setAuth(false);
    }
    expect(await stateOf(MEMBER, "ci-refused")).toEqual(UNTOUCHED);
    expect(await stateOf(ACCOUNT_ID, "ci-refused")).toEqual(UNTOUCHED);
    expect(await sqliteRecords("incident")).toEqual([]);
    // Once the role may be assumed, the same event contains the key in the member account.
    recorder.clear();
    const fixed = await createHandler(vars)(e, { ...CONTEXT, awsRequestId: "req-3" });
    expect(fixed.keys[0]?.status).toBe("contained");
    expect(calls()[0]).toBe("sts:AssumeRole 200");
    expect(await stateOf(MEMBER, "ci-refused")).toEqual(QUARANTINED);
    expect(await stateOf(ACCOUNT_ID, "ci-refused")).toEqual(UNTOUCHED);
  }, 180_000);
});

describe("the store's URL in Secrets Manager", () => {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 120_000);
  const sm = new SecretsManagerClient({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
  });
  afterAll(async () => {
    sm.destroy();
    await cluster?.stop();
  });
  const pgRecords = (url: string, kind: string) => recordsIn(() => openPostgresStore(url), kind);
  const secret = async (Name: string, SecretString: string) =>
    (await sm.send(new CreateSecretCommand({ Name, SecretString }))).ARN ?? "";

  /** RDS's generated secret for a URL; trust auth ignores the password, which is there to be encoded. */
  const rds = (url: string) => {
    const u = new URL(url);
    const [username, host, port, dbname] = [u.username, u.hostname, Number(u.port), u.pathname.slice(1)];
    return JSON.stringify({ engine: "postgres", username, password: "p@ss/w:rd", host, port, dbname });
  };

  it.each([
    ["a postgres:// URL", "url", (url: string) => url],
    ["RDS's generated JSON", "rds", rds],
  ])(
    "%s: contains once, and the claim and incident are in PostgreSQL, shared by containers",
    async (_, name, value) => {
      if (!cluster) throw new Error("the PostgreSQL cluster did not start (see beforeAll)");
      // A database of its own: the incident found there proves the secret's database was the one used.
      const db = await cluster.createDatabase(`responder_${name}`);
      const arn = await secret(`keywarden/store-${name}`, value(db));
      const user = `pg-${name}`;
      const key = await leakedKey(ACCOUNT_ID, user);
      const vars = env(recorder.url, { KEYWARDEN_STORE_SECRET_ARN: arn });
      const e = healthEvent(key, ACCOUNT_ID);
      const handler = createHandler(vars);
      const first = await handler(e, CONTEXT);
      expect(first.keys[0]?.status).toBe("contained");
      // The claim needs the store, so the secret is read before any IAM call.
      expect(calls()[0]).toBe("secretsmanager:GetSecretValue 200");
      expectRespondContainment(calls().slice(1));
      expect(await stateOf(ACCOUNT_ID, user)).toEqual(QUARANTINED);
      const incidents = await pgRecords(db, "incident");
      expect(incidents.map((r) => r.id)).toEqual([first.keys[0]?.incidentId]);
      expect(incidents[0]?.data).toMatchObject({ accessKeyId: key, trigger: { kind: "health-exposed" } });
      expect((await pgRecords(db, CLAIM_KIND)).map((r) => r.data)).toEqual([
        expect.objectContaining({ state: "done", incidentId: first.keys[0]?.incidentId }),
      ]);
      // Redelivered to the same container: its store is open already, so no AWS call at all.
      recorder.clear();
      const again = await handler(e, { ...CONTEXT, awsRequestId: "req-2" });
      expect(again.keys[0]).toMatchObject({ status: "duplicate", incidentId: first.keys[0]?.incidentId });
      expect(calls()).toEqual([]);
      // To another container: it reads the secret itself and finds the claim in PostgreSQL.
      const other = await createHandler(vars)(e, { ...CONTEXT, awsRequestId: "req-3" });
      expect(other.keys[0]?.status).toBe("duplicate");
      expect(calls()).toEqual(["secretsmanager:GetSecretValue 200"]);
      expect(await pgRecords(db, "incident")).toHaveLength(1);
    },
    180_000,
  );

  it.each([
    ["neither a URL nor JSON", "text", "hunter2 is not a url", " is neither a postgres:// URL nor JSON"],
    // JSON's null used to fail with a TypeError that named neither the variable nor the fix.
    ["JSON null", "null", "null", "'s JSON has no url, and no username and host"],
  ])(
    "a secret that is %s fails in one line, before any IAM call",
    async (_, name, value, why) => {
      const arn = await secret(`keywarden/store-bad-${name}`, value);
      const key = await leakedKey(ACCOUNT_ID, `pg-bad-${name}`);
      const handler = createHandler(env(recorder.url, { KEYWARDEN_STORE_SECRET_ARN: arn }));
      // The secret may hold a password: the message never repeats it.
      await expect(handler(healthEvent(key, ACCOUNT_ID), CONTEXT)).rejects.toMatchObject({
        message: `KEYWARDEN_STORE_SECRET_ARN: the secret${why}`,
      });
      expect(calls()).toEqual(["secretsmanager:GetSecretValue 200"]);
      expect(await stateOf(ACCOUNT_ID, `pg-bad-${name}`)).toEqual(UNTOUCHED);
    },
    60_000,
  );
});
