// The STS and IAM calls of `keywarden mfa`, signed with the long-term key (the session passed in
// is opened with it as explicit credentials). Every failure becomes one line of advice: the MFA
// cases first (src/credentials/mfa/errors.ts), then the general mapping (./errors.ts).
import { ListMFADevicesCommand, type ListMFADevicesCommandOutput } from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  type Credentials,
} from "@aws-sdk/client-sts";
import { AwsFailureError, KeywardenError } from "../domain/errors.js";
import { classifyMfaError, type AwsErrorLike, type MfaOperation } from "../credentials/mfa/errors.js";
import type {
  Identity,
  LongTermKeys,
  MfaDevice,
  MfaPort,
  MfaPortContext,
  TemporaryCredentials,
} from "../credentials/mfa/ports.js";
import { mapAwsError } from "./errors.js";
import type { AwsSession } from "./session.js";

const PERMISSION: Record<MfaOperation, string> = {
  GetCallerIdentity: "sts:GetCallerIdentity",
  ListMFADevices: "iam:ListMFADevices",
  GetSessionToken: "sts:GetSessionToken",
  AssumeRole: "sts:AssumeRole",
};

/** The IAM user name in a user ARN (`arn:aws:iam::123456789012:user/path/alice` -> alice); undefined otherwise. */
export function userNameFromArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1];
}

function temporary(operation: MfaOperation, c: Credentials | undefined): TemporaryCredentials {
  if (
    c?.AccessKeyId === undefined ||
    c.SecretAccessKey === undefined ||
    c.SessionToken === undefined ||
    c.Expiration === undefined
  ) {
    throw new AwsFailureError(
      "AWS_ERROR",
      `${operation} returned no complete credentials`,
      "Run again; if it persists, run with --debug and report it.",
    );
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

export function mfaPort(session: AwsSession, keys: LongTermKeys, ctx: MfaPortContext): MfaPort {
  let userName: string | undefined;

  async function call<T>(
    operation: MfaOperation,
    fn: () => Promise<T>,
    more: { serial?: string; roleArn?: string } = {},
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof KeywardenError) throw err;
      const classified = classifyMfaError(err as AwsErrorLike, {
        operation,
        profile: ctx.profile,
        keySource: ctx.keySource,
        accessKeyId: keys.accessKeyId,
        userName,
        credentialsPath: ctx.credentialsPath,
        configPath: ctx.configPath,
        ...more,
      });
      throw (
        classified ??
        mapAwsError(err, {
          operation,
          permission: PERMISSION[operation],
          endpoint:
            session.endpointFor(PERMISSION[operation].startsWith("iam:") ? "IAM" : "STS")?.url ?? null,
          profile: ctx.keySource,
        })
      );
    }
  }

  return {
    async whoAmI(): Promise<Identity> {
      const out = await call("GetCallerIdentity", () => session.sts().send(new GetCallerIdentityCommand({})));
      const arn = out.Arn ?? "";
      userName = userNameFromArn(arn);
      return { arn, account: out.Account ?? "", userName };
    },

    async listMfaDevices(user: string | undefined): Promise<MfaDevice[]> {
      const devices: MfaDevice[] = [];
      let marker: string | undefined;
      do {
        const page: ListMFADevicesCommandOutput = await call("ListMFADevices", () =>
          session.iam().send(new ListMFADevicesCommand({ UserName: user, Marker: marker })),
        );
        for (const d of page.MFADevices ?? []) {
          if (d.SerialNumber !== undefined) devices.push({ serialNumber: d.SerialNumber });
        }
        marker = page.IsTruncated === true ? page.Marker : undefined;
      } while (marker !== undefined);
      return devices;
    },

    async getSessionToken(input): Promise<TemporaryCredentials> {
      const out = await call(
        "GetSessionToken",
        () =>
          session.sts().send(
            new GetSessionTokenCommand({
              SerialNumber: input.serialNumber,
              TokenCode: input.tokenCode,
              DurationSeconds: input.durationSeconds,
            }),
          ),
        { serial: input.serialNumber },
      );
      return temporary("GetSessionToken", out.Credentials);
    },

    async assumeRole(input): Promise<TemporaryCredentials> {
      const out = await call(
        "AssumeRole",
        () =>
          session.sts().send(
            new AssumeRoleCommand({
              RoleArn: input.roleArn,
              RoleSessionName: input.roleSessionName,
              SerialNumber: input.serialNumber,
              TokenCode: input.tokenCode,
              DurationSeconds: input.durationSeconds,
            }),
          ),
        { serial: input.serialNumber, roleArn: input.roleArn },
      );
      return { ...temporary("AssumeRole", out.Credentials), assumedRoleUserArn: out.AssumedRoleUser?.Arn };
    },
  };
}
