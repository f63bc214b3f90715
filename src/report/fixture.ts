// A small AuditReport for the renderer tests: FAIL/WARN/PASS/ERROR findings, an account-level
// finding, hostile text (comma, quote, newline, pipe) and a user name that looks like a formula.

import type { AuditReport } from "../domain/audit-report.js";
import type { Finding } from "../domain/types.js";

export const ACCOUNT = "123456789012";
export const OTHER_ACCOUNT = "210987654321";

export const KEY_ALICE = "AKIAIOSFODNN7EXAMPLE";
export const KEY_BOB = "AKIA2OGYBAH6QEXAMPLE";
export const KEY_CAROL = "AKIAJ3UNUSEDKEY4ABCD";
export const KEY_FORMULA = "AKIAQ7FORMULAUSER234";
export const ALL_KEYS = [KEY_ALICE, KEY_BOB, KEY_CAROL, KEY_FORMULA] as const;

export const FORMULA_USER = "=HYPERLINK(1)";
export const HOSTILE_MESSAGE = 'Key "expires" soon, in 10 days\nplan | rotate now';

function finding(f: Partial<Finding> & Pick<Finding, "ruleId" | "result" | "severity">): Finding {
  return {
    accountId: ACCOUNT,
    userName: null,
    accessKeyId: null,
    message: "",
    remediation: "",
    ...f,
  };
}

export function fixtureFindings(): Finding[] {
  return [
    finding({
      ruleId: "access-key-rotation",
      result: "FAIL",
      severity: "high",
      userName: "alice",
      accessKeyId: KEY_ALICE,
      message: `Active access key ${KEY_ALICE} is 120 days old (limit 90).`,
      remediation: `Rotate the key without downtime:\nkeywarden rotate --user alice --key ${KEY_ALICE}\naws iam update-access-key --user-name alice --access-key-id ${KEY_ALICE} --status Inactive`,
    }),
    finding({
      ruleId: "access-key-unused",
      result: "PASS",
      severity: "medium",
      userName: "alice",
      accessKeyId: KEY_ALICE,
      message: "Key was used 3 days ago.",
      remediation: `aws iam delete-access-key --user-name alice --access-key-id ${KEY_ALICE}`,
    }),
    finding({
      ruleId: "access-key-expiring",
      result: "WARN",
      severity: "medium",
      userName: "bob",
      accessKeyId: KEY_BOB,
      message: HOSTILE_MESSAGE,
      remediation: `keywarden rotate --user bob --key ${KEY_BOB}`,
    }),
    finding({
      ruleId: "access-key-rotation",
      result: "PASS",
      severity: "high",
      userName: "bob",
      accessKeyId: KEY_BOB,
      message: "Key is 76 days old (limit 90).",
      remediation: `keywarden rotate --user bob --key ${KEY_BOB}`,
    }),
    finding({
      ruleId: "access-key-unused",
      result: "ERROR",
      severity: "medium",
      userName: "carol",
      accessKeyId: KEY_CAROL,
      message: "Could not read last use: AccessDenied on iam:GetAccessKeyLastUsed.",
      remediation:
        "Grant iam:GetAccessKeyLastUsed to the auditing principal, then run keywarden audit again.",
    }),
    finding({
      ruleId: "access-key-inactive-lingering",
      result: "FAIL",
      severity: "low",
      userName: "carol",
      accessKeyId: KEY_CAROL,
      message: "Inactive key is 200 days old (limit 30).",
      remediation: `aws iam delete-access-key --user-name carol --access-key-id ${KEY_CAROL}`,
    }),
    finding({
      ruleId: "access-key-rotation",
      result: "PASS",
      severity: "high",
      userName: FORMULA_USER,
      accessKeyId: KEY_FORMULA,
      message: "-1 days until rotation is due, @owner notified",
      remediation: "+ nothing to do",
    }),
    finding({
      ruleId: "root-access-key",
      result: "FAIL",
      severity: "critical",
      message: "The root user has an active access key (slot 1).",
      remediation:
        "Sign in as root, open Security credentials, and delete the root access key.\naws iam list-access-keys (as root)",
    }),
    finding({
      ruleId: "user-mfa",
      result: "WARN",
      severity: "info",
      accountId: OTHER_ACCOUNT,
      userName: "dave",
      message: "User has console access without MFA.",
      remediation:
        "aws iam enable-mfa-device --user-name dave --serial-number <arn> --authentication-code1 <c1> --authentication-code2 <c2>",
    }),
  ];
}

export function fixtureReport(): AuditReport {
  return {
    schemaVersion: 1,
    generatedAt: "2025-06-01T12:00:00.000Z",
    accounts: [
      {
        accountId: ACCOUNT,
        users: 4,
        keys: 4,
        rootAccessKeysPresent: true,
        rootMfaEnabled: false,
        credentialReportGeneratedAt: "2025-06-01T11:58:30.000Z",
      },
      {
        accountId: OTHER_ACCOUNT,
        users: 1,
        keys: 0,
        rootAccessKeysPresent: null,
        rootMfaEnabled: null,
        credentialReportGeneratedAt: null,
      },
    ],
    keys: [
      {
        accountId: ACCOUNT,
        userName: "alice",
        accessKeyId: KEY_ALICE,
        status: "Active",
        createdAt: "2025-02-01T09:00:00.000Z",
        lastUsedAt: "2025-05-29T08:00:00.000Z",
        lastUsedService: "s3",
        lastUsedRegion: "eu-west-1",
        ageDays: 120,
      },
      {
        accountId: ACCOUNT,
        userName: "bob",
        accessKeyId: KEY_BOB,
        status: "Active",
        createdAt: "2025-03-17T09:00:00.000Z",
        lastUsedAt: "2025-05-31T22:10:00.000Z",
        lastUsedService: "sts",
        lastUsedRegion: "us-east-1",
        ageDays: 76,
      },
      {
        accountId: ACCOUNT,
        userName: "carol",
        accessKeyId: KEY_CAROL,
        status: "Inactive",
        createdAt: "2024-11-13T09:00:00.000Z",
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
        ageDays: 200,
      },
      {
        accountId: ACCOUNT,
        userName: FORMULA_USER,
        accessKeyId: KEY_FORMULA,
        status: "Active",
        createdAt: "2025-05-01T09:00:00.000Z",
        lastUsedAt: "2025-05-30T10:00:00.000Z",
        lastUsedService: "dynamodb",
        lastUsedRegion: "ap-southeast-2",
        ageDays: 31,
      },
    ],
    findings: fixtureFindings(),
    stats: {
      apiCalls: {
        GenerateCredentialReport: 1,
        GetCredentialReport: 2,
        ListUsers: 1,
        GetAccessKeyLastUsed: 3,
      },
      durationMs: 1834,
    },
  };
}
