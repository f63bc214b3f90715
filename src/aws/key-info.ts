// sts:GetAccessKeyInfo: which account an access key id belongs to, asked with the caller's own
// credentials. It never uses the key being asked about, so it cannot trip a canary token or show
// up in the leaked key's own CloudTrail (unlike sts:GetCallerIdentity signed with the leaked key).
import { GetAccessKeyInfoCommand } from "@aws-sdk/client-sts";
import { call, callSite } from "./errors.js";
import type { AwsSession } from "./session.js";

export function accessKeyAccountPort(session: AwsSession): (accessKeyId: string) => Promise<string | null> {
  return async (accessKeyId) => {
    const r = await call(callSite(session, "GetAccessKeyInfo", "sts"), () =>
      session.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId })),
    );
    return r.Account ?? null;
  };
}
