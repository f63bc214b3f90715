// Time to compute one user's blast radius (every probe and escalation path), on three shapes of
// policy: admin, a ReadOnlyAccess-sized list of 2,700 read patterns, and a mixed user with group
// policies and a Deny. Not a test: run with `npx tsx bench/blast-radius-timing.ts`.
import { userBlastRadius } from "../src/access/principal.js";
import type { UserAuthorization, UserPolicyRecord } from "../src/domain/types.js";

const ACCOUNT = "123456789012";
const doc = (s: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: s });
const pol = (
  name: string,
  source: UserPolicyRecord["source"],
  statements: object[],
  group: string | null = null,
) => ({
  name,
  source,
  arn: null,
  group,
  document: doc(statements),
});
const services = Array.from({ length: 300 }, (_, i) => `svc${i}`);
const readPatterns = services.flatMap((s) =>
  ["Get*", "List*", "Describe*", "BatchGet*", "Head*", "Query*", "Scan*", "Select*", "View*"].map(
    (v) => `${s}:${v}`,
  ),
);

const users: Record<string, UserPolicyRecord[]> = {
  admin: [pol("AdministratorAccess", "user-managed", [{ Effect: "Allow", Action: "*", Resource: "*" }])],
  readonly: [pol("ReadOnlyLike", "user-managed", [{ Effect: "Allow", Action: readPatterns, Resource: "*" }])],
  mixed: [
    pol("deploy", "user-inline", [
      { Sid: "Deploy", Effect: "Allow", Action: ["iam:PassRole", "ec2:*", "s3:*"], Resource: "*" },
    ]),
    pol("team", "group-inline", [{ Effect: "Allow", Action: ["lambda:*", "logs:*"], Resource: "*" }], "devs"),
    pol("guard", "group-managed", [{ Effect: "Deny", Action: "iam:*User*", Resource: "*" }], "devs"),
  ],
};

for (const [name, policies] of Object.entries(users)) {
  const a: UserAuthorization = {
    accountId: ACCOUNT,
    userName: name,
    userArn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    userPath: "/",
    groups: ["devs"],
    policies,
    boundary: null,
  };
  userBlastRadius(a); // warm the pattern cache, as an audit of many users does
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) userBlastRadius(a);
  const ms = (performance.now() - t0) / n;
  process.stdout.write(
    `${name.padEnd(9)} ${ms.toFixed(3)} ms per user (${n} runs), classes: ${userBlastRadius(a).classes.join(", ")}` +
      "\n",
  );
}
