import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
} from "@aws-sdk/client-iam";
import { GetAccessKeyInfoCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { MigrationIamPort } from "../migration/ports.js";
import { call, callSite, mapAwsError } from "./errors.js";
import type { AwsSession } from "./session.js";

// plan-migration's IAM reads: who holds the key, its last use, and the owner's facts that tell a
// person from a workload (a console password, an MFA device). Four to six calls per key.

const nameOf = (err: unknown) => (err as { name?: string }).name ?? "";
const isNoSuchEntity = (err: unknown) => /^NoSuchEntity/.test(nameOf(err));

export function migrationIamPort(session: AwsSession): MigrationIamPort {
  const iam = session.iam();
  const site = (op: string, service = "iam") => callSite(session, op, service);
  const listKeys = (userName: string) =>
    call(site("ListAccessKeys"), () => iam.send(new ListAccessKeysCommand({ UserName: userName })));

  return {
    async callerAccount() {
      const r = await call(site("GetCallerIdentity", "sts"), () =>
        session.sts().send(new GetCallerIdentityCommand({})),
      );
      return { accountId: r.Account ?? "", partition: /^arn:([^:]+):/.exec(r.Arn ?? "")?.[1] ?? "aws" };
    },

    async keyAccount(accessKeyId) {
      const r = await call(site("GetAccessKeyInfo", "sts"), () =>
        session.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId })),
      );
      return r.Account ?? "";
    },

    async keyAndOwner(accessKeyId) {
      let used;
      try {
        used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
      } catch (err) {
        // AWS answers a key it does not know with AccessDenied or NoSuchEntity.
        if (isNoSuchEntity(err) || nameOf(err) === "AccessDenied") return null;
        throw mapAwsError(err, site("GetAccessKeyLastUsed"));
      }
      const userName = used.UserName;
      if (!userName) return null;
      const [keys, user, login, mfa] = await Promise.all([
        listKeys(userName),
        call(site("GetUser"), () => iam.send(new GetUserCommand({ UserName: userName }))),
        iam.send(new GetLoginProfileCommand({ UserName: userName })).then(
          () => true,
          (err: unknown) => {
            if (isNoSuchEntity(err)) return false;
            throw mapAwsError(err, site("GetLoginProfile"));
          },
        ),
        call(site("ListMFADevices"), () => iam.send(new ListMFADevicesCommand({ UserName: userName }))),
      ]);
      const meta = (keys.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === accessKeyId);
      if (!meta) return null;
      const lu = used.AccessKeyLastUsed;
      const arn = user.User?.Arn ?? "";
      return {
        key: {
          accessKeyId,
          status: meta.Status === "Active" ? "Active" : "Inactive",
          createdAt: meta.CreateDate?.toISOString() ?? null,
          lastUsed:
            lu?.LastUsedDate && lu.ServiceName && lu.ServiceName !== "N/A"
              ? { date: lu.LastUsedDate.toISOString(), service: lu.ServiceName, region: lu.Region ?? "N/A" }
              : null,
        },
        owner: {
          userName,
          userArn: arn,
          accountId: arn.split(":")[4] ?? "",
          console: login,
          passwordLastUsed: user.User?.PasswordLastUsed?.toISOString() ?? null,
          mfa: (mfa.MFADevices ?? []).length > 0,
          otherKeys: (keys.AccessKeyMetadata ?? []).filter((k) => k.AccessKeyId !== accessKeyId).length,
        },
      };
    },

    async userKeys(userName) {
      try {
        const r = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
        return (r.AccessKeyMetadata ?? []).flatMap((k) => (k.AccessKeyId ? [k.AccessKeyId] : []));
      } catch (err) {
        if (isNoSuchEntity(err)) return null;
        throw mapAwsError(err, site("ListAccessKeys"));
      }
    },
  };
}
