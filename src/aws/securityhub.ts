import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
} from "@aws-sdk/client-securityhub";
import type { AsffFinding } from "../report/asff.js";
import type { SecurityHubPort, StoredFinding } from "../report/securityhub-sync.js";
import { service } from "./clients.js";
import { call, type CallSite } from "./errors.js";
import type { AwsSession } from "./session.js";

// Security Hub for `audit --to securityhub`: read keywarden's findings back (GetFindings), import
// (BatchImportFindings, at most 100 a call) and resolve the workflow of fixed ones
// (BatchUpdateFindings). The client comes from the session like every other (region, endpoint
// resolution, adaptive retry that also waits out TooManyRequestsException, call counting, and the
// test hook that adds middleware), in the session's region: Security Hub is regional.

export const SECURITY_HUB = service(SecurityHubClient, "SecurityHub");

/** GetFindings' and BatchUpdateFindings' page and batch limit. */
const PAGE = 100;

function site(session: AwsSession, operation: string): CallSite {
  return {
    operation,
    permission: `securityhub:${operation}`,
    endpoint: session.endpointFor("SecurityHub")?.url ?? null,
    profile: session.profile,
  };
}

/** keywarden's own findings: its GeneratorId prefix, in the given accounts. */
function filters(accountIds: string[]): AwsSecurityFindingFilters {
  return {
    GeneratorId: [{ Value: "keywarden/", Comparison: "PREFIX" }],
    AwsAccountId: accountIds.map((id) => ({ Value: id, Comparison: "EQUALS" })),
  };
}

function stored(f: AwsSecurityFinding): StoredFinding {
  return f as unknown as StoredFinding;
}

export function securityHubPort(session: AwsSession): SecurityHubPort {
  let client: SecurityHubClient | undefined;
  const hub = () => (client ??= session.client(SECURITY_HUB));
  return {
    region: session.region,
    async existing(accountIds) {
      const out: StoredFinding[] = [];
      let token: string | undefined;
      do {
        const page = await call(site(session, "GetFindings"), () =>
          hub().send(
            new GetFindingsCommand({ Filters: filters(accountIds), MaxResults: PAGE, NextToken: token }),
          ),
        );
        // Filter again here: an endpoint that ignores Filters (the emulator does) must not make
        // keywarden archive someone else's findings.
        for (const f of page.Findings ?? []) {
          if (f.GeneratorId?.startsWith("keywarden/") && accountIds.includes(f.AwsAccountId ?? ""))
            out.push(stored(f));
        }
        token = page.NextToken || undefined;
      } while (token);
      return out;
    },
    async import(findings: AsffFinding[]) {
      const r = await call(site(session, "BatchImportFindings"), () =>
        hub().send(new BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] })),
      );
      return {
        success: r.SuccessCount ?? 0,
        failed: (r.FailedFindings ?? []).map((f) => ({
          id: f.Id ?? "",
          code: f.ErrorCode ?? "Unknown",
          message: f.ErrorMessage ?? "",
        })),
      };
    },
    async resolveWorkflow(ids) {
      const r = await call(site(session, "BatchUpdateFindings"), () =>
        hub().send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: ids.map((i) => ({ Id: i.id, ProductArn: i.productArn })),
            Workflow: { Status: "RESOLVED" },
          }),
        ),
      );
      return (r.UnprocessedFindings ?? []).map((u) => ({
        id: u.FindingIdentifier?.Id ?? "",
        code: u.ErrorCode ?? "Unknown",
        message: u.ErrorMessage ?? "",
      }));
    },
    destroy() {
      client?.destroy();
    },
  };
}
