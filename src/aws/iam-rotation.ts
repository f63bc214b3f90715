import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  SimulatePrincipalPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { IamRotationPort, KeyCredentials } from "../rotation/ports.js";
import { call, callSite as site } from "./errors.js";
import type { AwsSession } from "./session.js";

/**
 * The IAM writes a rotation makes, through one counted, error-mapped session; `signWith` switches
 * to other credentials (a self-rotation retires the old key signed with the new one).
 */
export function iamRotationPort(session: AwsSession, signWith?: KeyCredentials): IamRotationPort {
  const other = signWith ? session.withCredentials(signWith) : null;
  const iam = () => other?.iam() ?? session.iam();
  return {
    async listAccessKeys(userName) {
      const r = await call(site(session, "ListAccessKeys"), () =>
        iam().send(new ListAccessKeysCommand({ UserName: userName })),
      );
      return (r.AccessKeyMetadata ?? []).map((k) => ({
        accessKeyId: k.AccessKeyId ?? "",
        status: k.Status === "Active" ? "Active" : "Inactive",
        createdAt: k.CreateDate ?? new Date(0),
      }));
    },

    async createAccessKey(userName) {
      const r = await call(site(session, "CreateAccessKey"), () =>
        iam().send(new CreateAccessKeyCommand({ UserName: userName })),
      );
      const k = r.AccessKey;
      if (!k?.AccessKeyId || !k.SecretAccessKey) throw new Error("CreateAccessKey returned no key");
      return {
        accessKeyId: k.AccessKeyId,
        secretAccessKey: k.SecretAccessKey,
        createdAt: k.CreateDate ?? new Date(),
      };
    },

    async updateAccessKey(userName, accessKeyId, status) {
      await call(site(session, "UpdateAccessKey"), () =>
        iam().send(
          new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
        ),
      );
    },

    async deleteAccessKey(userName, accessKeyId) {
      await call(site(session, "DeleteAccessKey"), () =>
        iam().send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
      );
    },

    async getAccessKeyLastUsed(accessKeyId) {
      const r = await call(site(session, "GetAccessKeyLastUsed"), () =>
        iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
      );
      const lu = r.AccessKeyLastUsed;
      const known = (s: string | undefined) => (s && s !== "N/A" ? s : null);
      return { at: lu?.LastUsedDate ?? null, service: known(lu?.ServiceName), region: known(lu?.Region) };
    },

    async listUserTags(userName) {
      const tags: Record<string, string> = {};
      let marker: string | undefined;
      do {
        const r = await call(site(session, "ListUserTags"), () =>
          iam().send(new ListUserTagsCommand({ UserName: userName, Marker: marker })),
        );
        for (const t of r.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
        marker = r.IsTruncated ? r.Marker : undefined;
      } while (marker);
      return tags;
    },

    async tagUser(userName, key, value) {
      await call(site(session, "TagUser"), () =>
        iam().send(new TagUserCommand({ UserName: userName, Tags: [{ Key: key, Value: value }] })),
      );
    },

    async untagUser(userName, key) {
      await call(site(session, "UntagUser"), () =>
        iam().send(new UntagUserCommand({ UserName: userName, TagKeys: [key] })),
      );
    },

    async simulate(principalArn, actions, context = {}) {
      try {
        const decisions: Record<string, string> = {};
        let marker: string | undefined;
        do {
          const r = await call(site(session, "SimulatePrincipalPolicy"), () =>
            iam().send(
              new SimulatePrincipalPolicyCommand({
                PolicySourceArn: principalArn,
                ActionNames: [...actions],
                ContextEntries: Object.entries(context).map(([k, v]) => ({
                  ContextKeyName: k,
                  ContextKeyValues: [v],
                  ContextKeyType: v === "true" || v === "false" ? "boolean" : "string",
                })),
                Marker: marker,
              }),
            ),
          );
          for (const e of r.EvaluationResults ?? [])
            if (e.EvalActionName) decisions[e.EvalActionName] = e.EvalDecision ?? "implicitDeny";
          marker = r.IsTruncated ? r.Marker : undefined;
        } while (marker);
        return decisions;
      } catch {
        // Simulation is a courtesy check: not allowed to simulate, no such principal (a role
        // reached through SSO), or an endpoint without it, and the run goes on without it.
        return null;
      }
    },

    async whoAmIWith(credentials: KeyCredentials) {
      // Signed with the key under test and no SDK retries: the caller's bounded retry absorbs
      // IAM's eventual consistency without the SDK multiplying it.
      const sts = session.withCredentials(credentials, 1).sts();
      try {
        const r = await call(site(session, "GetCallerIdentity", "sts"), () =>
          sts.send(new GetCallerIdentityCommand({})),
        );
        return { account: r.Account ?? "", arn: r.Arn ?? "" };
      } finally {
        sts.destroy();
      }
    },
  };
}
