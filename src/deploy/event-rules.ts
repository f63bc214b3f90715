// The events the responder acts on, one EventBridge rule each. A pattern says as much as
// EventBridge can match on, so the function is invoked only for a long-term IAM user key (AKIA...):
// a finding about session credentials (ASIA..., an assumed role) or any other Health event never
// reaches it. Shapes: test/fixtures/events/ (AWS's documented events and keywarden's own).

export interface ResponderEventKind {
  /** Used in the rule's logical id and name: alphanumeric. */
  readonly id: string;
  readonly description: string;
  readonly pattern: Readonly<Record<string, unknown>>;
}

/** keywarden's own event for a key found in code (see `scan`); never carries the secret. */
export const SCAN_HIT_SOURCE = "keywarden.scan";
export const SCAN_HIT_DETAIL_TYPE = "Access Key Found In Code";

// Long-term access key ids start AKIA; temporary ones ASIA (nothing to deactivate there).
const LONG_TERM_KEY = [{ prefix: "AKIA" }];

export const RESPONDER_EVENT_KINDS: readonly ResponderEventKind[] = [
  {
    id: "HealthCredentialsExposed",
    description: "AWS Health: an access key of this account was found in public code",
    pattern: {
      source: ["aws.health"],
      "detail-type": ["AWS Health Event"],
      detail: { service: ["RISK"], eventTypeCode: ["AWS_RISK_CREDENTIALS_EXPOSED"] },
    },
  },
  {
    id: "GuardDutyIamUserKey",
    description: "GuardDuty: a finding about an IAM user's long-term access key",
    pattern: {
      source: ["aws.guardduty"],
      "detail-type": ["GuardDuty Finding"],
      detail: {
        resource: {
          resourceType: ["AccessKey"],
          accessKeyDetails: { userType: ["IAMUser"], accessKeyId: LONG_TERM_KEY },
        },
      },
    },
  },
  {
    id: "KeywardenScanHit",
    description: "keywarden scan: a long-term access key id found in code",
    pattern: {
      source: [SCAN_HIT_SOURCE],
      "detail-type": [SCAN_HIT_DETAIL_TYPE],
      detail: { accessKeyId: LONG_TERM_KEY },
    },
  },
];
