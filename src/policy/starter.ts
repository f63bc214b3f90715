// The file `keywarden init` writes: every section, commented, valid as it stands (a test parses it).

export const STARTER_POLICY = `# keywarden policy: what \`keywarden enforce\` applies (\`keywarden rules\` shows its thresholds).
# Validate it with \`keywarden enforce\` (a dry run: it prints the plan and changes nothing).
version: 1

# Rule thresholds in days (CIS defaults shown). \`keywarden rules\` prints the effective values.
thresholds:
  rotationDays: 90
  expiringWithinDays: 14
  unusedDays: 45
  inactiveLingeringDays: 30
  newKeyGraceDays: 7

# Which keys this policy governs. Leave a list out to mean "all".
scope:
  # accounts: ["123456789012"]
  userPaths: ["/"]
  # tags: { team: payments }        # the user must carry these tags ("*": any value)
  # excludeUsers: [break-glass]

# Who hears about a key: the first of these user tags that is set, then the owners file, then default.
owners:
  tags: [owner, email]
  # file: owners.yaml               # "user: owner@example.com" lines, relative to this file
  default: security@example.com

# Keys or users left alone until a date. A reason and an expiry are required; an expired
# exemption is itself a finding.
exemptions: []
#  - user: legacy-batch
#    reason: vendor appliance, replacement ordered (TICKET-123)
#    expires: 2026-03-31

# Staged timelines: the day of each rule's clock (key age, or days unused) when each stage happens.
rules:
  access-key-rotation:
    timeline:
      warn: 76                # notifications start (notifyBefore days ahead of each stage)
      rotate: 90              # starts a rotation job to rotateTo (or only tells the owner without it)
      # rotateTo: ["secretsmanager:iam/{user}"]   # as \`keywarden rotate --to\`; {user}, {account}
      observe: 7d
      soak: 7d
      deactivate: 100         # if the key is still active and unused for 24 hours
      delete: 110             # inactive keys only: a key is deactivated before it is ever deleted
  access-key-unused:
    timeline:
      warn: 45
      deactivate: 60
      delete: 90
  access-key-inactive-lingering:
    timeline:
      delete: 60

enforcement:
  maxChanges: 10              # key changes per run (--max-changes overrides)
  namedKeys: []               # keys exempt from the one-change-per-user-per-run guard
  schedule: "0 6 * * *"       # for \`keywarden enforce --schedule\` without an expression

notifications:
  notifyBefore: [14, 7, 1]    # days before each stage; one message each, never twice
  digest: false               # true: one message per owner per run
  channels: []
#  - type: slack
#    webhookUrlEnv: KEYWARDEN_SLACK_WEBHOOK        # the URL is a secret: name the variable
#  - type: webhook
#    url: https://hooks.example.com/keywarden
#    secretEnv: KEYWARDEN_WEBHOOK_SECRET           # HMAC-SHA256 key; header X-Keywarden-Signature
#    retries: 3
#  - type: email
#    host: smtp.example.com
#    port: 587
#    requireTLS: true
#    userEnv: KEYWARDEN_SMTP_USER
#    passwordEnv: KEYWARDEN_SMTP_PASSWORD
#    from: keywarden@example.com
#    fallbackTo: [security@example.com]
#  - type: sns
#    topicArn: arn:aws:sns:us-east-1:123456789012:keywarden
`;
