import {
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { RemediationPort } from "../response/ports.js";
import type { CreatedResource } from "../response/types.js";
import { callSite, mapAwsError } from "./errors.js";
import type { RegionalClients } from "./regional.js";
import type { AwsSession } from "./session.js";

// Removes what a compromised key created in EC2: instances and security-group rules.

const GONE = new Set([
  "InvalidInstanceID.NotFound",
  "InvalidSecurityGroupRuleId.NotFound",
  "InvalidGroup.NotFound",
  "InvalidPermission.NotFound",
]);

export function ec2RemediationPort(session: AwsSession, clients: RegionalClients): RemediationPort {
  const site = (op: string) => callSite(session, op, "ec2");
  const tolerant = async (op: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      if (GONE.has((err as { name?: string }).name ?? "")) return false;
      throw mapAwsError(err, site(op));
    }
  };
  return {
    supports(r: CreatedResource) {
      if (!r.region) return false;
      if (r.type === "ec2-instance") return true;
      return r.type.startsWith("ec2-security-group-") && r.type.endsWith("-rule") && !!r.params?.groupId;
    },
    async remove(r: CreatedResource) {
      const region = r.region ?? session.region;
      const ec2 = clients.ec2(region);
      if (r.type === "ec2-instance") {
        const done = await tolerant("TerminateInstances", () =>
          ec2.send(new TerminateInstancesCommand({ InstanceIds: [r.id] })),
        );
        return done ? `terminated instance ${r.id} in ${region}` : `instance ${r.id} was already gone`;
      }
      const groupId = r.params?.groupId ?? "";
      const ingress = r.type.includes("-ingress-");
      const done = await tolerant(ingress ? "RevokeSecurityGroupIngress" : "RevokeSecurityGroupEgress", () =>
        ingress
          ? ec2.send(
              new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [r.id] }),
            )
          : ec2.send(
              new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: [r.id] }),
            ),
      );
      return done ? `revoked rule ${r.id} of ${groupId} in ${region}` : `rule ${r.id} was already gone`;
    },
  };
}
