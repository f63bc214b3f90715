import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-secrets-manager";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ParameterNotFound,
  PutParameterCommand,
} from "@aws-sdk/client-ssm";
import type { KeyCredentials, Target } from "../rotation/ports.js";
import { call, callSite as site } from "./errors.js";
import type { AwsSession } from "./session.js";

// Secrets Manager and SSM Parameter Store targets. The secret is stored as JSON
// {"AccessKeyId", "SecretAccessKey"}, merged into an existing JSON object so other fields survive.
// Backups are version references; the old secret stays in AWS's own version history.

function causeIs(e: unknown, cls: abstract new (...args: never[]) => unknown): boolean {
  return (e as { cause?: unknown }).cause instanceof cls;
}

function merged(previous: string | undefined, key: KeyCredentials): string {
  let base: Record<string, unknown> = {};
  if (previous) {
    try {
      const parsed: unknown = JSON.parse(previous);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        base = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: the new value replaces it; the old one stays in the version history.
    }
  }
  return JSON.stringify({ ...base, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey });
}

function parseCredentials(value: string | undefined): KeyCredentials | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as { AccessKeyId?: unknown; SecretAccessKey?: unknown };
    return typeof v.AccessKeyId === "string" && typeof v.SecretAccessKey === "string"
      ? { accessKeyId: v.AccessKeyId, secretAccessKey: v.SecretAccessKey }
      : null;
  } catch {
    return null;
  }
}

export function secretsManagerTarget(session: AwsSession, secretId: string): Target {
  const sm = () => session.secretsManager();
  const current = async (): Promise<{ value?: string; versionId?: string } | null> => {
    try {
      const r = await call(site(session, "GetSecretValue", "secretsmanager"), () =>
        // Name the stage: moto answers an unnamed read from a stale default version after a stage move.
        sm().send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: "AWSCURRENT" })),
      );
      return {
        ...(r.SecretString ? { value: r.SecretString } : {}),
        ...(r.VersionId ? { versionId: r.VersionId } : {}),
      };
    } catch (e) {
      if (causeIs(e, ResourceNotFoundException)) return null;
      throw e;
    }
  };
  return {
    spec: `secretsmanager:${secretId}`,
    describe: (id) => [
      `secretsmanager:PutSecretValue ${secretId} (AccessKeyId ${id ?? "<new key>"}, SecretAccessKey <secret>)`,
    ],
    async preflight() {
      // Proves the secret can be read (and exists or can be created) before any key exists.
      await current();
    },
    async backup() {
      const c = await current();
      return c ? { existed: true, versionId: c.versionId ?? null } : { existed: false };
    },
    async deliver(key) {
      const c = await current();
      const value = merged(c?.value, key);
      if (c) {
        await call(site(session, "PutSecretValue", "secretsmanager"), () =>
          sm().send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value })),
        );
      } else {
        await call(site(session, "CreateSecret", "secretsmanager"), () =>
          sm().send(new CreateSecretCommand({ Name: secretId, SecretString: value })),
        );
      }
    },
    async readBackKeyId() {
      return parseCredentials((await current())?.value)?.accessKeyId ?? null;
    },
    async readBackCredentials() {
      return parseCredentials((await current())?.value);
    },
    async restore(backup, ourKeyId) {
      const spec = `secretsmanager:${secretId}`;
      if (ourKeyId === null) return `${spec}: not changed by this job`;
      const now = await current();
      // A value somebody else put there since is theirs: only our own key is taken back.
      if (parseCredentials(now?.value)?.accessKeyId !== ourKeyId)
        return `${spec}: does not hold the new key; left as is`;
      if (backup.existed !== true) {
        // keywarden created it: remove it again.
        await call(site(session, "DeleteSecret", "secretsmanager"), () =>
          sm().send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true })),
        ).catch((e: unknown) => {
          if (!causeIs(e, ResourceNotFoundException)) throw e;
        });
        return `${spec}: deleted (it did not exist before)`;
      }
      const previous = typeof backup.versionId === "string" ? backup.versionId : null;
      if (!previous || now?.versionId === previous) return `${spec}: unchanged`;
      // Put the previous value back as a new current version (it stays in AWS: read, then written).
      // Moving the AWSCURRENT label instead would be lighter, but a later PutSecretValue then
      // leaves two versions labelled current in moto; a new version behaves the same everywhere.
      const old = await call(site(session, "GetSecretValue", "secretsmanager"), () =>
        sm().send(new GetSecretValueCommand({ SecretId: secretId, VersionId: previous })),
      );
      if (old.SecretString === undefined)
        return `${spec}: its previous version has no string value; left as is`;
      const value = old.SecretString;
      await call(site(session, "PutSecretValue", "secretsmanager"), () =>
        sm().send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value })),
      );
      return `${spec}: holds its previous value again`;
    },
    discard: () => Promise.resolve(), // the previous value lives in the secret's own version history
  };
}

export function ssmParameterTarget(session: AwsSession, name: string): Target {
  const ssm = () => session.ssm();
  const current = async (): Promise<{ value?: string; version?: number } | null> => {
    try {
      const r = await call(site(session, "GetParameter", "ssm"), () =>
        ssm().send(new GetParameterCommand({ Name: name, WithDecryption: true })),
      );
      return {
        ...(r.Parameter?.Value ? { value: r.Parameter.Value } : {}),
        ...(r.Parameter?.Version !== undefined ? { version: r.Parameter.Version } : {}),
      };
    } catch (e) {
      if (causeIs(e, ParameterNotFound)) return null;
      throw e;
    }
  };
  const put = (value: string) =>
    call(site(session, "PutParameter", "ssm"), () =>
      ssm().send(
        new PutParameterCommand({ Name: name, Value: value, Type: "SecureString", Overwrite: true }),
      ),
    );
  return {
    spec: `ssm:${name}`,
    describe: (id) => [
      `ssm:PutParameter ${name} SecureString (AccessKeyId ${id ?? "<new key>"}, SecretAccessKey <secret>)`,
    ],
    async preflight() {
      await current();
    },
    async backup() {
      const c = await current();
      return c ? { existed: true, version: c.version ?? null } : { existed: false };
    },
    async deliver(key) {
      await put(merged((await current())?.value, key));
    },
    async readBackKeyId() {
      return parseCredentials((await current())?.value)?.accessKeyId ?? null;
    },
    async readBackCredentials() {
      return parseCredentials((await current())?.value);
    },
    async restore(backup, ourKeyId) {
      const spec = `ssm:${name}`;
      if (ourKeyId === null) return `${spec}: not changed by this job`;
      const now = await current();
      if (parseCredentials(now?.value)?.accessKeyId !== ourKeyId)
        return `${spec}: does not hold the new key; left as is`;
      if (backup.existed !== true) {
        await call(site(session, "DeleteParameter", "ssm"), () =>
          ssm().send(new DeleteParameterCommand({ Name: name })),
        ).catch((e: unknown) => {
          if (!causeIs(e, ParameterNotFound)) throw e;
        });
        return `${spec}: deleted (it did not exist before)`;
      }
      const version = typeof backup.version === "number" ? backup.version : null;
      if (version === null || now?.version === version) return `${spec}: unchanged`;
      // The previous value lives in the parameter's own history; put it back as the newest version.
      let token: string | undefined;
      do {
        const page = await call(site(session, "GetParameterHistory", "ssm"), () =>
          ssm().send(new GetParameterHistoryCommand({ Name: name, WithDecryption: true, NextToken: token })),
        );
        const old = page.Parameters?.find((p) => p.Version === version);
        if (old?.Value !== undefined) {
          await put(old.Value);
          return `${spec}: holds its previous value again`;
        }
        token = page.NextToken;
      } while (token);
      throw new Error(
        `version ${version} of parameter ${name} is no longer in its history; restore it by hand`,
      );
    },
    discard: () => Promise.resolve(), // the previous value lives in the parameter's own history
  };
}
