// A believable account for `keywarden demo`: every rule has something to say about it.
// Dates are relative to `now` so the demo tells the same story on any day.

const DAY = 86_400_000;

interface SeedKey {
  status?: "Active" | "Inactive";
  create_date: string;
  last_used: { date: string; service: string; region: string } | null;
}

export interface DemoUser {
  name: string;
  path?: string;
  tags?: Record<string, string>;
  create_date: string;
  password?: { last_used: string | null } | null;
  mfa?: "virtual" | "hardware" | null;
  access_keys?: SeedKey[];
}

export interface DemoAccount {
  users: DemoUser[];
  root: {
    access_keys: { active: boolean; last_rotated: string; last_used: string | null }[];
    mfa: "virtual" | "hardware" | null;
  };
}

export function demoAccount(now: Date): DemoAccount {
  const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
  const key = (
    created: number,
    used: number | null,
    service = "s3",
    region = "us-east-1",
    status?: "Inactive",
  ): SeedKey => ({
    ...(status ? { status } : {}),
    create_date: ago(created),
    last_used: used === null ? null : { date: ago(used), service, region },
  });
  const person = (name: string, team: string, extra: Partial<DemoUser>): DemoUser => ({
    name,
    path: `/people/${team}/`,
    tags: { owner: `${name}@example.com`, team },
    create_date: ago(700),
    password: { last_used: ago(1) },
    mfa: "virtual",
    ...extra,
  });
  const service = (name: string, owner: string, extra: Partial<DemoUser>): DemoUser => ({
    name,
    path: "/service/",
    tags: { owner, purpose: "automation" },
    create_date: ago(900),
    password: null,
    mfa: null,
    ...extra,
  });

  const users: DemoUser[] = [
    // Service users: the usual sources of stale, long-lived keys.
    service("svc-ci-deploy", "platform@example.com", {
      access_keys: [key(212, 0, "codebuild", "eu-west-1")],
    }),
    service("svc-backup", "platform@example.com", { access_keys: [key(410, 122, "s3", "us-east-1")] }),
    service("svc-etl", "data@example.com", { access_keys: [key(96, 0, "lambda", "us-east-1")] }),
    service("svc-terraform", "platform@example.com", { access_keys: [key(81, 0, "iam", "us-east-1")] }),
    service("svc-reporting", "finance@example.com", {
      create_date: ago(300),
      access_keys: [key(300, null)],
    }),
    service("svc-monitoring", "sre@example.com", { access_keys: [key(30, 0, "cloudwatch", "us-east-1")] }),
    service("svc-batch", "data@example.com", { access_keys: [key(60, 1, "ec2", "us-west-2")] }),
    service("svc-legacy-ftp", "it@example.com", { access_keys: [key(1100, 700, "s3", "us-east-1")] }),
    service("svc-mailer", "it@example.com", { access_keys: [key(45, 0, "ses", "eu-west-1")] }),
    service("svc-new-pipeline", "platform@example.com", {
      create_date: ago(2),
      access_keys: [key(2, null)],
    }),
    service("svc-webhooks", "platform@example.com", { access_keys: [key(130, 3, "sqs", "us-east-1")] }),
    service("svc-ecs-worker", "sre@example.com", { access_keys: [key(50, 0, "ecs", "us-east-1")] }),

    // People with programmatic keys.
    person("alice", "platform", { access_keys: [key(20, 0, "sts", "us-east-1")] }),
    person("bob", "data", { mfa: null, access_keys: [key(65, 2, "s3", "us-east-1")] }),
    person("carol", "platform", {
      access_keys: [key(150, 0, "ec2", "us-east-1"), key(40, 0, "ec2", "us-east-1")],
    }),
    person("dave", "sre", {
      access_keys: [key(200, 160, "s3", "us-east-1", "Inactive"), key(10, 0, "cloudformation", "us-east-1")],
    }),
    person("erin", "security", {
      access_keys: [key(5, 1, "guardduty", "us-east-1"), key(3, 0, "guardduty", "us-east-1")],
    }),
    person("frank", "data", { mfa: null, access_keys: [key(100, 55, "athena", "us-east-1")] }),
    person("grace", "finance", { access_keys: [key(12, 0, "ce", "us-east-1")] }),
    person("heidi", "sre", { mfa: "hardware", access_keys: [key(33, 0, "ssm", "eu-central-1")] }),
    person("ivan", "data", {
      access_keys: [key(88, 0, "glue", "us-east-1")],
    }),
    person("judy", "platform", { access_keys: [key(70, 50, "s3", "us-east-1", "Inactive")] }),
    person("mallory", "contractors", {
      create_date: ago(90),
      mfa: null,
      access_keys: [key(90, null)],
    }),
    person("niaj", "sre", { access_keys: [key(25, 0, "eks", "us-east-1")] }),
    person("olivia", "security", { access_keys: [key(15, 0, "securityhub", "us-east-1")] }),
  ];

  // Console-only people, most with MFA, a few without.
  const consoleOnly = [
    "peggy",
    "quentin",
    "rupert",
    "sybil",
    "trent",
    "ursula",
    "victor",
    "walter",
    "xavier",
    "yvonne",
  ];
  consoleOnly.forEach((name, i) => {
    users.push(person(name, i % 2 ? "product" : "support", { mfa: i % 4 === 3 ? null : "virtual" }));
  });
  // People who never had a password or keys (break-glass and automation placeholders).
  for (const name of ["breakglass-1", "breakglass-2", "placeholder-app"]) {
    users.push({ name, path: "/", create_date: ago(500), password: null, mfa: null });
  }

  return {
    users,
    root: {
      access_keys: [{ active: true, last_rotated: ago(1300), last_used: ago(280) }],
      mfa: "virtual",
    },
  };
}
