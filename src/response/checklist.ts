import type {
  ChecklistItem,
  Containment,
  CreatedResource,
  LookupFailure,
  UndatedRecord,
  UnreadableFile,
} from "./types.js";

// The AWS playbook for a compromised key, as tracked items. What `respond` did is "done"; what a
// person must still do stays "open" with the exact place or command to do it.

export function buildChecklist(input: {
  accessKeyId: string;
  userName: string;
  containment: Containment;
  created: CreatedResource[];
  eventsFound: number;
  lookupFailures?: LookupFailure[];
  unreadableFiles?: UnreadableFile[];
  undatedRecords?: UndatedRecord[];
  bucketFailure?: string | null;
}): ChecklistItem[] {
  const failed = input.lookupFailures ?? [];
  const unreadable = input.unreadableFiles ?? [];
  const undated = input.undatedRecords ?? [];
  const missing: string[] = [];
  if (failed.length > 0) {
    missing.push(
      `LookupEvents failed in ${failed.map((f) => f.region).join(", ")}: those regions' events are missing; re-run keywarden trail ${input.accessKeyId} --regions ${failed.map((f) => f.region).join(",")} or read the trail's log files with --logs.`,
    );
  }
  if (input.bucketFailure) {
    missing.push(
      `The trail bucket could not be read (${input.bucketFailure}): its events are missing; re-run keywarden trail ${input.accessKeyId} with the same --athena/--engine flags, or read a copy of the bucket with --logs.`,
    );
  }
  if (unreadable.length > 0) {
    missing.push(
      `${unreadable.length} log file(s) could not be read (${unreadable.map((f) => f.file).join(", ")}): repair or re-export them and read them with --logs.`,
    );
  }
  if (undated.length > 0) {
    missing.push(
      `${undated.length} record(s) of the key have no readable time and are not in the timeline (${undated.map((u) => u.eventName || u.eventId).join(", ")}): review them in their files.`,
    );
  }
  const { accessKeyId, userName, containment, created } = input;
  const removed = created.filter((c) => c.remediation?.status === "removed").length;
  const dry = containment.dryRun;
  return [
    {
      id: "deactivate-key",
      title: "Deactivate the compromised access key",
      status: containment.deactivated ? "done" : "open",
      detail: containment.deactivated
        ? `Inactive since ${containment.containedAt ?? "containment"}.`
        : `aws iam update-access-key --user-name ${userName} --access-key-id ${accessKeyId} --status Inactive`,
    },
    {
      id: "quarantine-policy",
      title: "Attach the quarantine policy to the key's user",
      status: containment.quarantinePolicyArn && !dry ? "done" : "open",
      detail:
        containment.quarantinePolicyArn && !dry
          ? `${containment.quarantinePolicyArn} is attached to ${userName}.`
          : (containment.planned.find((c) => c.includes("attach-user-policy")) ??
            `aws iam attach-user-policy --user-name ${userName} --policy-arn arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV4`),
    },
    {
      id: "review-cloudtrail",
      title: "Review the CloudTrail events made with the key",
      status: missing.length > 0 ? "open" : "done",
      detail:
        missing.length > 0
          ? missing.join(" ")
          : `${input.eventsFound} event(s) found and classified in this report.`,
    },
    {
      id: "remove-created",
      title: "Remove the principals, keys, policies, instances and rules the key created",
      status: created.length === 0 || removed === created.length ? "done" : "open",
      detail:
        created.length === 0
          ? "The key's events created nothing that keywarden recognises; still review IAM for unknown users, roles and policies."
          : `${removed} of ${created.length} removed; the rest are listed under "Created by the key" with their commands (or run keywarden respond --remediate).`,
    },
    {
      id: "review-account",
      title:
        "Review the account for unauthorized IAM users, roles and policies, EC2 instances, S3 bucket policy and security group changes",
      status: "open",
      detail: "Look beyond this key: an attacker with IAM rights may have used the principals it created.",
    },
    {
      id: "keep-quarantine",
      title: "Keep the quarantine policy attached until remediation ends",
      status: "open",
      detail: "Removing it early can affect eligibility for AWS account concessions related to the incident.",
    },
    {
      id: "billing",
      title: "Review the billing dashboard for unexpected cost spikes",
      status: "open",
      detail: "https://console.aws.amazon.com/billing/home#/bills (and Cost Explorer by region and service).",
    },
    {
      id: "guardduty",
      title: "Turn on Amazon GuardDuty to detect ongoing threats",
      status: "open",
      detail: "aws guardduty create-detector --enable (in every region you use).",
    },
    {
      id: "alternate-contacts",
      title: "Update the account's alternate security contact",
      status: "open",
      detail:
        "aws account put-alternate-contact --alternate-contact-type SECURITY --name NAME --email-address EMAIL --phone-number PHONE --title TITLE",
    },
    {
      id: "delete-key",
      title: "Delete the compromised key once nothing legitimate depends on it",
      status: "open",
      detail: `aws iam delete-access-key --user-name ${userName} --access-key-id ${accessKeyId}`,
    },
    {
      id: "replace-long-term-keys",
      title: "Replace long-term keys with temporary credentials where possible",
      status: "open",
      detail:
        "IAM roles for EC2/Lambda/ECS, IAM Identity Center for people, IAM Roles Anywhere for on-premises workloads.",
    },
  ];
}
