/* eslint-disable no-console */
// bench/org: keywarden's organization audit (the code path of `keywarden audit --accounts ...`) on
// the emulator, and how its cost grows with accounts and with users with keys.
//
//   setup:  CreateOrganization, CreateAccount for every member account (moto creates them at once,
//           each with an OrganizationAccountAccessRole), ListAccounts to read their ids, then one
//           bulk seed per account (EmulatorClient.bulkSeed with account_id), from bench/audit's
//           seeded plan (half of the users have keys), with a PRNG seed per account.
//   runs:   for 1, 10 and 50 accounts (the first N member accounts), and for one account of 100,
//           1,000 and 10,000 users: callerOf + orgSessions + runOrgAudit with runAudit per account,
//           exactly as src/cli/commands/audit.ts's executeOrgAudit builds it (AssumeRole into each
//           account, 4 accounts at a time, 8 calls in flight per account).
//   fit:    cost = a * n^b by least squares on log-log: calls and wall time against users with
//           keys (one account) and against accounts (200 users each).
//
// Every run must find exactly the keys seeded in every account, and no collection error: the bench
// throws otherwise. moto's auth checks stay off (dummy credentials for the caller, the role's
// assumed credentials for each member account: moto routes IAM calls by the access key's account).

import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { runOrgAudit } from "../src/audit/org.js";
import { runAudit } from "../src/audit/run.js";
import { iamInventoryPort } from "../src/aws/iam-inventory.js";
import { callerOf, DEFAULT_ROLE_NAME, orgSessions } from "../src/aws/organizations.js";
import { openSession, type AwsTarget } from "../src/aws/session.js";
import type { AuditReport } from "../src/domain/audit-report.js";
import { EmulatorClient } from "../src/emulator/client.js";
import { startEmulator } from "../src/emulator/process.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { buildAccount, median, PRNG_SEED, round, SEED_PLAN } from "./audit.js";

const REGION = "us-east-1";
const DUMMY_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
/** The CLI's default --account-concurrency (DEFAULT_ACCOUNT_CONCURRENCY in src/cli/commands/audit.ts). */
const ACCOUNT_CONCURRENCY = 4;

export interface OrgBenchOptions {
  /** Account counts of the accounts curve, e.g. [1, 10, 50]. */
  accounts: number[];
  /** Users per member account in the accounts curve (200). */
  usersPerAccount: number;
  /** User counts of the single-account curve, e.g. [100, 1000, 10000]. */
  users: number[];
  repeats: number;
}

export const ORG_FULL: OrgBenchOptions = {
  accounts: [1, 10, 50],
  usersPerAccount: 200,
  users: [100, 1000, 10_000],
  repeats: 3,
};
export const ORG_QUICK: OrgBenchOptions = {
  accounts: [1, 3, 5],
  usersPerAccount: 50,
  users: [100, 1000],
  repeats: 1,
};

interface SeededAccount {
  id: string;
  name: string;
  users: number;
  usersWithKeys: number;
  keyIds: string[];
}

interface OrgRun {
  wallMs: number;
  reportDurationMs: number;
  calls: Record<string, number>;
  totalCalls: number;
  keysFound: number;
  findings: number;
}

/** cost = a * n^b, least squares on (ln n, ln cost); r2 of the log-log line. */
export function fitPower(points: { n: number; y: number }[]): { a: number; b: number; r2: number } {
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.y));
  const k = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / k;
  const my = ys.reduce((s, y) => s + y, 0) / k;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const b = sxx === 0 ? NaN : sxy / sxx;
  const a = Math.exp(my - b * mx);
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { a: round(a, 4), b: round(b, 4), r2: round(r2, 4) };
}

/** The org audit as `keywarden audit --accounts <ids>` runs it (executeOrgAudit), timed end to end. */
async function runOrg(
  endpoint: string,
  emulator: EmulatorClient,
  accounts: SeededAccount[],
): Promise<OrgRun> {
  // A fresh credential report per account and run: otherwise Generate answers from the cache.
  for (const a of accounts) await emulator.credentialReport({ account_id: a.id, expire: true });
  const target: AwsTarget = { endpointUrl: endpoint, region: REGION, credentials: DUMMY_CREDENTIALS };
  const session = await openSession(target);
  const started = performance.now();
  const caller = await callerOf(session);
  const sessions = orgSessions(session, caller, {
    roleName: DEFAULT_ROLE_NAME,
    externalId: undefined,
    target,
    env: process.env,
  });
  const now = new Date();
  const report: AuditReport = await runOrgAudit({
    accounts: accounts.map((a) => a.id),
    sessionFor: (accountId) => sessions.sessionFor(accountId),
    release: (s) => {
      sessions.release(s);
    },
    auditAccount: async (s) =>
      (
        await runAudit({
          port: iamInventoryPort(s),
          apiCalls: () => s.counter.snapshot(),
          now,
          thresholds: DEFAULT_THRESHOLDS,
        })
      ).report,
    access: {
      callerAccountId: caller.accountId,
      roleName: DEFAULT_ROLE_NAME,
      partition: caller.partition,
      externalId: false,
    },
    concurrency: ACCOUNT_CONCURRENCY,
    now,
    apiCalls: () => sessions.apiCalls(),
  });
  const wallMs = performance.now() - started;
  session.iam().destroy();
  session.sts().destroy();

  // Verification: exactly the seeded keys, per account, and no account or collection error.
  const errors = report.findings.filter((f) => f.result === "ERROR");
  if (errors.length > 0) {
    throw new Error(
      `the org audit recorded ${errors.length} ERROR findings, e.g. ${errors
        .slice(0, 2)
        .map((f) => `${f.accountId}: ${f.message}`)
        .join("; ")}`,
    );
  }
  if (report.accounts.length !== accounts.length) {
    throw new Error(`the org audit reports ${report.accounts.length} accounts, expected ${accounts.length}`);
  }
  for (const a of accounts) {
    const found = report.keys
      .filter((k) => k.accountId === a.id)
      .map((k) => k.accessKeyId)
      .sort();
    const expected = [...a.keyIds].sort();
    if (found.length !== expected.length || found.some((id, i) => id !== expected[i])) {
      const missing = expected.filter((id) => !found.includes(id));
      const extra = found.filter((id) => !expected.includes(id));
      throw new Error(
        `account ${a.id} (${a.name}): the audit found ${found.length} keys, ${expected.length} were seeded ` +
          `(${missing.length} missing, e.g. ${missing.slice(0, 2).join(", ")}; ${extra.length} extra, e.g. ${extra.slice(0, 2).join(", ")})`,
      );
    }
  }
  const calls = sessions.apiCalls();
  return {
    wallMs,
    reportDurationMs: report.stats.durationMs,
    calls,
    totalCalls: Object.values(calls).reduce((s, n) => s + n, 0),
    keysFound: report.keys.length,
    findings: report.findings.length,
  };
}

function sameCounts(runs: OrgRun[]): boolean {
  const first = JSON.stringify(runs[0]?.calls);
  return runs.every((r) => JSON.stringify(r.calls) === first);
}

export async function benchOrg(opts: OrgBenchOptions): Promise<object> {
  const maxAccounts = Math.max(...opts.accounts);
  const emulator = await startEmulator();
  try {
    const client = new EmulatorClient(emulator.endpoint);
    await client.reset();

    // --- The organization and its member accounts -----------------------------------------------
    const org = new OrganizationsClient({
      endpoint: emulator.endpoint,
      region: REGION,
      credentials: DUMMY_CREDENTIALS,
    });
    const createStarted = performance.now();
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const width = String(maxAccounts).length;
    const memberNames = Array.from(
      { length: maxAccounts },
      (_, i) => `member-${String(i + 1).padStart(width, "0")}`,
    );
    const curveNames = opts.users.map((n) => `single-${n}`);
    for (const name of [...memberNames, ...curveNames]) {
      await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
    }
    const byName = new Map<string, string>();
    let listed = 0;
    for await (const page of paginateListAccounts({ client: org }, {})) {
      for (const a of page.Accounts ?? []) {
        listed++;
        if (a.Name !== undefined && a.Id !== undefined && (a.State ?? a.Status) === "ACTIVE") {
          byName.set(a.Name, a.Id);
        }
      }
    }
    org.destroy();
    const createWallMs = performance.now() - createStarted;
    for (const name of [...memberNames, ...curveNames]) {
      if (!/^\d{12}$/.test(byName.get(name) ?? "")) {
        throw new Error(`ListAccounts shows no ACTIVE account named ${name} (${listed} accounts listed)`);
      }
    }
    console.log(
      `created an organization with ${memberNames.length + curveNames.length} member accounts in ${Math.round(createWallMs)} ms`,
    );

    // --- Seeding -------------------------------------------------------------------------------
    const seedNow = new Date();
    let seedServerMs = 0;
    const seedStarted = performance.now();
    const seedAccount = async (name: string, users: number, seed: number): Promise<SeededAccount> => {
      const id = byName.get(name) as string;
      const plan = buildAccount(users, seedNow, seed);
      const seeded = await client.bulkSeed({ account_id: id, users: plan.users });
      seedServerMs += seeded.elapsed_ms;
      const keyIds = seeded.users.flatMap((u) => u.access_keys.map((k) => k.access_key_id));
      if (seeded.users.length !== plan.summary.users || keyIds.length !== plan.summary.keys) {
        throw new Error(
          `bulk seed of ${name} created ${seeded.users.length} users / ${keyIds.length} keys, ` +
            `expected ${plan.summary.users} / ${plan.summary.keys}`,
        );
      }
      return { id, name, users, usersWithKeys: plan.summary.usersWithKeys, keyIds };
    };
    const members: SeededAccount[] = [];
    for (const [i, name] of memberNames.entries()) {
      members.push(await seedAccount(name, opts.usersPerAccount, PRNG_SEED + i + 1));
    }
    const singles: SeededAccount[] = [];
    for (const [i, name] of curveNames.entries()) {
      singles.push(await seedAccount(name, opts.users[i] as number, PRNG_SEED));
    }
    const seedWallMs = performance.now() - seedStarted;
    console.log(
      `seeded ${members.length} x ${opts.usersPerAccount} users and ${opts.users.join(" / ")} users in ` +
        `${Math.round(seedWallMs)} ms`,
    );

    // Warm-up (not recorded): loads the SDK and warms the code paths and the emulator.
    await runOrg(emulator.endpoint, client, members.slice(0, 1));

    const measure = async (label: string, accounts: SeededAccount[]) => {
      const runs: OrgRun[] = [];
      for (let r = 0; r < opts.repeats; r++) {
        const run = await runOrg(emulator.endpoint, client, accounts);
        console.log(
          `  ${label} run ${r + 1}/${opts.repeats}: ${Math.round(run.wallMs)} ms, ${run.totalCalls} calls`,
        );
        runs.push(run);
      }
      const l = runs[runs.length - 1] as OrgRun;
      const users = accounts.reduce((s, a) => s + a.users, 0);
      const usersWithKeys = accounts.reduce((s, a) => s + a.usersWithKeys, 0);
      const keys = accounts.reduce((s, a) => s + a.keyIds.length, 0);
      const wallMedian = median(runs.map((r) => r.wallMs));
      return {
        accounts: accounts.length,
        users,
        usersWithKeys,
        keys,
        wallMs: { median: Math.round(wallMedian), runs: runs.map((r) => Math.round(r.wallMs)) },
        reportDurationMs: runs.map((r) => r.reportDurationMs),
        totalCalls: l.totalCalls,
        callsByOperation: l.calls,
        callsPerUserWithKeys: round(l.totalCalls / usersWithKeys, 4),
        listAccessKeysPerUserWithKeys: round((l.calls.ListAccessKeys ?? 0) / usersWithKeys, 4),
        callsPerAccount: round(l.totalCalls / accounts.length, 2),
        wallMsPerAccount: round(wallMedian / accounts.length, 1),
        wallMsPerUserWithKeys: round(wallMedian / usersWithKeys, 3),
        callsPerSecond: round(l.totalCalls / (wallMedian / 1000), 0),
        callsStableAcrossRuns: sameCounts(runs),
        keysVerified: l.keysFound,
        findings: l.findings,
      };
    };

    console.log("accounts curve:");
    const accountsCurve = [];
    for (const n of opts.accounts) accountsCurve.push(await measure(`${n} account(s)`, members.slice(0, n)));
    console.log("single-account curve:");
    const usersCurve = [];
    for (const a of singles) usersCurve.push(await measure(`${a.users} users`, [a]));

    /** The fit, and the slope of each segment between neighbouring points (the local exponent). */
    const fit = (points: { n: number; y: number }[]) => ({
      ...fitPower(points),
      segmentExponents: points
        .slice(1)
        .map((p, i) =>
          round(
            Math.log(p.y / (points[i] as { y: number }).y) / Math.log(p.n / (points[i] as { n: number }).n),
            4,
          ),
        ),
      points,
    });
    const exponents = {
      callsVsUsersWithKeys: fit(usersCurve.map((p) => ({ n: p.usersWithKeys, y: p.totalCalls }))),
      wallVsUsersWithKeys: fit(usersCurve.map((p) => ({ n: p.usersWithKeys, y: p.wallMs.median }))),
      callsVsAccounts: fit(accountsCurve.map((p) => ({ n: p.accounts, y: p.totalCalls }))),
      wallVsAccounts: fit(accountsCurve.map((p) => ({ n: p.accounts, y: p.wallMs.median }))),
    };
    /** b <= 1 (with 5% for noise): linear or better. */
    const linearOrBetter = Object.fromEntries(Object.entries(exponents).map(([k, v]) => [k, v.b <= 1.05]));

    return {
      config: {
        accounts: opts.accounts,
        usersPerAccount: opts.usersPerAccount,
        singleAccountUsers: opts.users,
        repeats: opts.repeats,
        accountConcurrency: ACCOUNT_CONCURRENCY,
        callConcurrencyPerAccount: 8,
        thresholds: DEFAULT_THRESHOLDS,
        roleName: DEFAULT_ROLE_NAME,
        codePath:
          "callerOf + orgSessions (AssumeRole per member account) + runOrgAudit with runAudit per account, " +
          "as executeOrgAudit in src/cli/commands/audit.ts builds it for `keywarden audit --accounts <ids>`",
        emulator:
          "moto 5.2.1 server via test/emulator/launcher.py, auth checks off, dummy caller credentials",
        warmUp: "one 1-account org audit before the recorded runs",
        freshReports: "every account's credential report snapshot is expired before every run",
      },
      setup: {
        organizationAccounts: memberNames.length + curveNames.length,
        createAccountsWallMs: Math.round(createWallMs),
        seedWallMs: Math.round(seedWallMs),
        seedServerMs: Math.round(seedServerMs),
        prngSeeds: `member account i (1-based): ${PRNG_SEED} + i; single-account curve: ${PRNG_SEED}`,
        plan: SEED_PLAN,
      },
      accountsCurve,
      singleAccountCurve: usersCurve,
      exponents,
      linearOrBetter,
      verification: {
        note:
          "every recorded run: exactly the seeded access key ids per account (none missing, none extra), " +
          "one account view per account, no ERROR finding; the bench throws otherwise",
        keysVerifiedPerRun: {
          accounts: accountsCurve.map((p) => p.keysVerified),
          singleAccount: usersCurve.map((p) => p.keysVerified),
        },
      },
    };
  } finally {
    await emulator.stop();
  }
}
