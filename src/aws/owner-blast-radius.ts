import type { RespondDeps } from "../response/respond.js";
import type { AwsSession } from "./session.js";

/**
 * respond's `blastRadius` port on one session: what the key's owner can do, from the account's
 * authorization details, with the quarantine policy (`leaveOut`) left out so the answer is what the
 * key could do before containment. Its modules load on first use, after containment.
 */
export function ownerBlastRadius(session: AwsSession): RespondDeps["blastRadius"] {
  return async (userName, leaveOut) => {
    const [{ iamInventoryPort }, { authorizationsOf }, { userBlastRadius }, { blastRadiusView }] =
      await Promise.all([
        import("./iam-inventory.js"),
        import("../inventory/authorizations.js"),
        import("../access/principal.js"),
        import("../audit/risk.js"),
      ]);
    const details = await iamInventoryPort(session).getAuthorizationDetails();
    const accountId = details.users[0]?.arn.split(":")[4] ?? "";
    const a = authorizationsOf(accountId, details).find((u) => u.userName === userName);
    if (!a) return null;
    const before = { ...a, policies: a.policies.filter((p) => p.arn === null || p.arn !== leaveOut) };
    return blastRadiusView(userBlastRadius(before));
  };
}
