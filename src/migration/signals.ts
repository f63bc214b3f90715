import { inRanges, isPrivateIp, type IpRange } from "./ip.js";
import type { KeyEvidence, Signal } from "./types.js";

// The facts in a key's evidence that point at one replacement, each as a sentence a person can
// check against the evidence printed beside it. "strong": the fact names the workload (a CI
// action's user agent, an execution environment the SDK reports); "weak": it only fits it.
//
// What user agents carry (AWS SDKs and CLI build them the same way):
// - `exec-env/$AWS_EXECUTION_ENV`: Lambda sets AWS_Lambda_<runtime>, ECS sets AWS_ECS_FARGATE or
//   AWS_ECS_EC2 (ECS developer guide, "Amazon ECS environment variables"); CloudShell sets CloudShell.
// - aws-actions/configure-aws-credentials signs its own STS calls with the user agent
//   `configure-aws-credentials-for-github-actions` (every STS call is in CloudTrail).
// - `os/<name>` or `Darwin/`, `Windows_NT/` in the CLI's agent: the machine it ran on. A macOS or
//   Windows machine is a person's workstation far more often than a server.
// - IDE toolkits name themselves (AWS Toolkit for VS Code, JetBrains).

const GITHUB = /configure-aws-credentials-for-github-actions|github[-_ ]?actions|GitHubActions/i;
const GITLAB = /gitlab/i;
const LAMBDA_ENV = /exec-env\/AWS_Lambda_/i;
const ECS_ENV = /exec-env\/AWS_ECS_(FARGATE|EC2)/i;
const ANY_EXEC_ENV = /exec-env\/[A-Za-z]/;
const DESKTOP_OS = /Darwin\/|Windows_NT\/|Windows\/|os\/macos|os\/windows|macOS/i;
const LINUX = /Linux\/|os\/linux/i;
const TOOLKIT = /AWS-?Toolkit|aws-toolkit|JetBrains|Cloud9|exec-env\/CloudShell/i;
const BROWSER = /^Mozilla\/|console\.amazonaws\.com|signin\.amazonaws\.com/i;
/** CI systems keywarden names but has no dedicated replacement for (OIDC exists for most). */
const OTHER_CI =
  /jenkins|circleci|buildkite|bitbucket|travis|teamcity|bamboo|azure-?pipelines|drone|codefresh|harness/i;

/** A service acting for the caller ("lambda.amazonaws.com", "AWS Internal"): not where it ran. */
const isServiceSource = (ip: string) => /amazonaws\.com$|^AWS Internal$/i.test(ip);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export interface SignalOptions {
  /** AWS's published ranges (ip-ranges.json, --aws-ip-ranges), when the user gave them. */
  awsRanges?: IpRange[];
}

export function signalsOf(e: KeyEvidence, opts: SignalOptions = {}): { signals: Signal[]; notes: string[] } {
  const signals: Signal[] = [];
  const notes: string[] = [];
  const add = (kind: Signal["kind"], strength: Signal["strength"], reason: string) =>
    signals.push({ kind, strength, reason });
  const agents = e.trail?.userAgents ?? [];
  const match = (re: RegExp) => agents.filter((a) => re.test(a.value));
  const calls = (list: { count: number }[]) => list.reduce((n, a) => n + a.count, 0);
  const quote = (list: { value: string }[]) => `"${(list[0]?.value ?? "").slice(0, 80)}"`;

  const gh = match(GITHUB);
  if (gh.length > 0)
    add(
      "oidc-github",
      "strong",
      `${plural(calls(gh), "call")} with a GitHub Actions user agent (${quote(gh)})`,
    );
  const gl = match(GITLAB);
  if (gl.length > 0)
    add("oidc-gitlab", "strong", `${plural(calls(gl), "call")} with a GitLab user agent (${quote(gl)})`);
  const lambda = match(LAMBDA_ENV);
  if (lambda.length > 0)
    add(
      "lambda",
      "strong",
      `${plural(calls(lambda), "call")} from a Lambda function (the SDK reports ${quote(lambda)})`,
    );
  const ecs = match(ECS_ENV);
  if (ecs.length > 0)
    add(
      "ecs-task",
      "strong",
      `${plural(calls(ecs), "call")} from an ECS task (the SDK reports ${quote(ecs)})`,
    );
  const desktop = match(DESKTOP_OS);
  if (desktop.length > 0)
    add(
      "identity-center",
      "strong",
      `${plural(calls(desktop), "call")} from a macOS or Windows machine, a person's workstation (${quote(desktop)})`,
    );
  const toolkit = match(TOOLKIT);
  if (toolkit.length > 0)
    add(
      "identity-center",
      "strong",
      `${plural(calls(toolkit), "call")} from an IDE toolkit or CloudShell, used by a person (${quote(toolkit)})`,
    );
  const browser = match(BROWSER);
  if (browser.length > 0 || (e.trail?.consoleLogins ?? 0) > 0)
    add("identity-center", "strong", "console activity with the key's user: a person signs in");
  const ci = match(OTHER_CI);
  if (ci.length > 0) {
    notes.push(
      `${plural(calls(ci), "call")} name another CI system (${OTHER_CI.exec(ci[0]?.value ?? "")?.[0] ?? ""}, in ${quote(ci)}): if it runs on EC2, give it an instance profile; if it issues OIDC tokens (CircleCI, Buildkite, Bitbucket Pipelines do), trust its issuer the way the GitHub plan trusts GitHub's.`,
    );
  }

  // Where the calls came from.
  const ips = (e.trail?.sourceIPs ?? []).filter((s) => !isServiceSource(s.value));
  const inVpc = ips.filter((s) => isPrivateIp(s.value));
  const vpce = e.trail?.vpcEndpoints ?? [];
  const inAws = opts.awsRanges
    ? ips.filter((s) => !isPrivateIp(s.value) && inRanges(s.value, opts.awsRanges ?? []))
    : [];
  const computeEnvSeen = lambda.length > 0 || ecs.length > 0;
  const anyExecEnv = match(ANY_EXEC_ENV).length > 0;
  if (vpce.length > 0 || inVpc.length > 0 || inAws.length > 0) {
    const where =
      vpce.length > 0
        ? `through VPC endpoint ${vpce[0]?.value ?? ""}`
        : inVpc.length > 0
          ? `from private address ${inVpc[0]?.value ?? ""} (inside a VPC)`
          : `from ${inAws[0]?.value ?? ""}, in AWS's published ranges`;
    if (!computeEnvSeen && !anyExecEnv && gh.length === 0 && gl.length === 0) {
      add(
        "instance-profile",
        "strong",
        `calls came ${where}, and no SDK reported an ECS or Lambda environment: an EC2 instance`,
      );
    } else if (!computeEnvSeen) {
      add("instance-profile", "weak", `calls came ${where}: AWS compute`);
    }
  }
  const publicIps = ips.filter((s) => !isPrivateIp(s.value) && !inAws.includes(s));
  const linux = match(LINUX);
  const workloadSeen = signals.some((s) => s.strength === "strong");
  if (
    !workloadSeen &&
    publicIps.length > 0 &&
    publicIps.length <= 3 &&
    linux.length > 0 &&
    vpce.length === 0
  ) {
    // Only AWS's published ranges tell "outside AWS" from "an AWS address keywarden cannot place".
    add(
      "roles-anywhere",
      opts.awsRanges ? "strong" : "weak",
      `${plural(publicIps.length, "fixed public address", "fixed public addresses")} (${publicIps
        .map((s) => s.value)
        .join(
          ", ",
        )}) with a Linux agent and no CI or AWS compute environment: a server outside AWS${opts.awsRanges ? " (not in AWS's published ranges)" : ""}`,
    );
  }

  // The owner: a console password and MFA make the user a person's.
  if (e.owner.console) {
    add(
      "identity-center",
      e.owner.passwordLastUsed ? "strong" : "weak",
      `the user ${e.owner.userName} has a console password${e.owner.passwordLastUsed ? ` (last used ${e.owner.passwordLastUsed.slice(0, 10)})` : ""}${e.owner.mfa ? " and an MFA device" : ""}`,
    );
  } else if (e.owner.mfa) {
    add("identity-center", "weak", `the user ${e.owner.userName} has an MFA device: people have those`);
  }
  // Names are hints people leave; never enough alone.
  const name = e.owner.userName.toLowerCase();
  if (/(^|[-_.])(github|gh|gha|actions)([-_.]|$)/.test(name))
    add("oidc-github", "weak", `the user's name "${e.owner.userName}" suggests GitHub Actions`);
  if (/(^|[-_.])gitlab([-_.]|$)/.test(name))
    add("oidc-gitlab", "weak", `the user's name "${e.owner.userName}" suggests GitLab CI`);
  if (/(^|[-_.])(lambda|fn|function)([-_.]|$)/.test(name))
    add("lambda", "weak", `the user's name "${e.owner.userName}" suggests a Lambda function`);
  if (/(^|[-_.])(ecs|fargate|task)([-_.]|$)/.test(name))
    add("ecs-task", "weak", `the user's name "${e.owner.userName}" suggests an ECS task`);
  if (/(^|[-_.])(ec2|instance|server|host|vm)([-_.]|$)/.test(name))
    add("instance-profile", "weak", `the user's name "${e.owner.userName}" suggests a server`);
  if (/^[a-z]+\.[a-z]+$|@/.test(name))
    add("identity-center", "weak", `the user's name "${e.owner.userName}" looks like a person's`);
  return { signals, notes };
}
