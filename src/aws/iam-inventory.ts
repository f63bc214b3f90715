import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListVirtualMFADevices,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
  ReportNotReadyError,
  type CallerIdentity,
  type CredentialReport,
  type IamInventoryPort,
  type AuthorizationDetails,
  type KeyLastUsed,
  type ListedAccessKey,
  type ReportState,
  type VirtualMfaDevice,
} from "../inventory/ports.js";
import { call, callSite as site } from "./errors.js";
import type { AwsSession } from "./session.js";

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`AWS response is missing ${what}`);
  return v;
}

/** The IAM + STS reads the inventory makes, through one counted, error-mapped session. */
export function iamInventoryPort(session: AwsSession): IamInventoryPort {
  const iam = session.iam();
  return {
    async getCallerIdentity(): Promise<CallerIdentity> {
      const r = await call(site(session, "GetCallerIdentity", "sts"), () =>
        session.sts().send(new GetCallerIdentityCommand({})),
      );
      return {
        account: required(r.Account, "Account"),
        arn: required(r.Arn, "Arn"),
        userId: required(r.UserId, "UserId"),
      };
    },

    async generateCredentialReport(): Promise<ReportState> {
      const r = await call(site(session, "GenerateCredentialReport"), () =>
        iam.send(new GenerateCredentialReportCommand({})),
      );
      return r.State ?? "STARTED";
    },

    async getCredentialReport(): Promise<CredentialReport> {
      let r;
      try {
        r = await call(site(session, "GetCredentialReport"), () =>
          iam.send(new GetCredentialReportCommand({})),
        );
      } catch (e) {
        // These three are the normal states of the generate-then-poll protocol, not failures.
        const cause = (e as { cause?: unknown }).cause;
        if (cause instanceof CredentialReportNotReadyException)
          throw new ReportNotReadyError("ReportInProgress");
        if (cause instanceof CredentialReportNotPresentException)
          throw new ReportNotReadyError("ReportNotPresent");
        if (cause instanceof CredentialReportExpiredException) throw new ReportNotReadyError("ReportExpired");
        throw e;
      }
      return {
        csv: Buffer.from(required(r.Content, "Content")).toString("utf8"),
        generatedAt: required(r.GeneratedTime, "GeneratedTime"),
      };
    },

    async getAuthorizationDetails(): Promise<AuthorizationDetails> {
      return call(site(session, "GetAccountAuthorizationDetails"), async () => {
        const out: AuthorizationDetails = { users: [], groups: [], policies: [] };
        // One listing serves the users' tags and their blast radius: the same pages, no call per user.
        const pages = paginateGetAccountAuthorizationDetails(
          { client: iam, pageSize: 1000 },
          { Filter: ["User", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] },
        );
        const inline = (list: { PolicyName?: string; PolicyDocument?: string }[] | undefined) =>
          (list ?? []).map((p) => ({ name: p.PolicyName ?? "", document: p.PolicyDocument ?? "" }));
        const attached = (list: { PolicyArn?: string }[] | undefined) =>
          (list ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : []));
        for await (const page of pages) {
          for (const u of page.UserDetailList ?? []) {
            out.users.push({
              userName: required(u.UserName, "UserName"),
              userId: u.UserId ?? "",
              arn: required(u.Arn, "Arn"),
              path: u.Path ?? "/",
              createdAt: required(u.CreateDate, "CreateDate"),
              tags: Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
              groups: u.GroupList ?? [],
              inlinePolicies: inline(u.UserPolicyList),
              attachedPolicyArns: attached(u.AttachedManagedPolicies),
              boundaryArn: u.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
            });
          }
          for (const g of page.GroupDetailList ?? []) {
            out.groups.push({
              groupName: required(g.GroupName, "GroupName"),
              inlinePolicies: inline(g.GroupPolicyList),
              attachedPolicyArns: attached(g.AttachedManagedPolicies),
            });
          }
          for (const p of page.Policies ?? []) {
            // Only the default version decides access; the others are kept by IAM but inert.
            const current = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion === true);
            out.policies.push({
              arn: required(p.Arn, "Arn"),
              // The name is also the ARN's last segment; some emulators leave PolicyName out.
              name: p.PolicyName ?? p.Arn?.split("/").pop() ?? "",
              document: current?.Document ?? null,
            });
          }
        }
        return out;
      });
    },

    async listAccessKeys(userName: string): Promise<ListedAccessKey[]> {
      // A user has at most two keys, so one page always holds them all.
      const r = await call(site(session, "ListAccessKeys"), () =>
        iam.send(new ListAccessKeysCommand({ UserName: userName })),
      );
      return (r.AccessKeyMetadata ?? []).map((k) => ({
        userName: k.UserName ?? userName,
        accessKeyId: required(k.AccessKeyId, "AccessKeyId"),
        status: k.Status === "Active" ? "Active" : "Inactive",
        createdAt: required(k.CreateDate, "CreateDate"),
      }));
    },

    async getAccessKeyLastUsed(accessKeyId: string): Promise<KeyLastUsed> {
      const r = await call(site(session, "GetAccessKeyLastUsed"), () =>
        iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
      );
      const lu = r.AccessKeyLastUsed;
      const known = (s: string | undefined) => (s && s !== "N/A" ? s : null);
      return {
        at: lu?.LastUsedDate ?? null,
        service: known(lu?.ServiceName),
        region: known(lu?.Region),
      };
    },

    async getAccountSummary(): Promise<Record<string, number>> {
      const r = await call(site(session, "GetAccountSummary"), () =>
        iam.send(new GetAccountSummaryCommand({})),
      );
      return { ...(r.SummaryMap ?? {}) };
    },

    async listVirtualMfaDevices(): Promise<VirtualMfaDevice[]> {
      return call(site(session, "ListVirtualMFADevices"), async () => {
        const out: VirtualMfaDevice[] = [];
        const pages = paginateListVirtualMFADevices(
          { client: iam, pageSize: 1000 },
          { AssignmentStatus: "Assigned" },
        );
        for await (const page of pages) {
          for (const d of page.VirtualMFADevices ?? []) {
            out.push({
              serialNumber: required(d.SerialNumber, "SerialNumber"),
              userArn: d.User?.Arn ?? null,
            });
          }
        }
        return out;
      });
    },
  };
}
