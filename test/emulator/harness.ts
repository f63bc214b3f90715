// Integration-test harness over the shared emulator started by global-setup.ts.
//
//   const emu = useEmulator();            // at the top of a test file: resets the emulator first
//   const alice = await emu.createUser("alice", { console: true, mfa: "virtual" });
//   const key = await emu.createKey("alice", { createdDaysAgo: 120, lastUsed: { daysAgo: 3, service: "s3", region: "eu-west-1" } });
//   await emu.iam().send(new ListAccessKeysCommand({ UserName: "alice" }));
//
// Large fixtures: `emu.client.bulkSeed({ users: [...] })` creates thousands of users in one request.
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import type { BuildMiddleware, MetadataBearer } from "@smithy/types";
import { beforeAll, inject } from "vitest";
import { EmulatorClient, type KeyStatus, type MfaKind } from "../../src/emulator/client.js";

export const REGION = "us-east-1";
export const ACCOUNT_ID = "123456789012";
/** Accepted by the emulator while auth checks are off (the default). */
export const DUMMY_CREDENTIALS: Credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const DAY_MS = 86_400_000;

/** The date n days before `now` (default: the real current time). */
export function daysAgo(n: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - n * DAY_MS);
}

export interface CreateUserOptions {
  path?: string;
  tags?: Record<string, string>;
  /** Give the user a console password (a login profile). */
  console?: boolean;
  /** With `console`: when the password was last used (default never). */
  passwordLastUsedDaysAgo?: number;
  mfa?: MfaKind | null;
  createdDaysAgo?: number;
  now?: Date;
}

export interface CreateKeyOptions {
  status?: KeyStatus;
  createdDaysAgo?: number;
  /** null or absent: never used. */
  lastUsed?: { daysAgo: number; service: string; region: string } | null;
  now?: Date;
}

export interface CreatedUser {
  userName: string;
  arn: string;
  /** The virtual MFA device's serial, or the hardware device's, when mfa was asked for. */
  mfaSerial?: string;
}

export interface CreatedKey extends Credentials {
  userName: string;
}

export interface EmulatorHarness {
  endpoint: string;
  client: EmulatorClient;
  /** IAM client on the emulator; the dummy credentials unless given. */
  iam(credentials?: Credentials): IAMClient;
  /** STS client on the emulator; the dummy credentials unless given. */
  sts(credentials?: Credentials): STSClient;
  /** IAM acting in another account (moto's x-moto-account-id header), for seeding; auth checks off. */
  iamIn(accountId: string): IAMClient;
  createUser(name: string, opts?: CreateUserOptions): Promise<CreatedUser>;
  createKey(userName: string, opts?: CreateKeyOptions): Promise<CreatedKey>;
  /** A user with AdministratorAccess and an access key: the caller to use once auth checks are on. */
  createAdmin(name?: string): Promise<CreatedKey>;
  daysAgo(n: number, now?: Date): Date;
}

/** This worker's own emulator: files running at the same time never share one. */
export function workerEndpoint(): string {
  const endpoints = inject("emulatorEndpoints");
  const worker = Math.max(1, Number(process.env.VITEST_POOL_ID) || 1);
  const endpoint = endpoints[(worker - 1) % endpoints.length];
  if (endpoint === undefined) throw new Error("no emulator: test/emulator/global-setup.ts did not run");
  return endpoint;
}

/** Call once at the top of an integration test file. Resets the emulator before the file's tests. */
export function useEmulator(): EmulatorHarness {
  const endpoint = workerEndpoint();
  const client = new EmulatorClient(endpoint);
  beforeAll(async () => {
    await client.reset();
  });

  const iam = (credentials: Credentials = DUMMY_CREDENTIALS): IAMClient =>
    new IAMClient({ endpoint, region: REGION, credentials });
  const sts = (credentials: Credentials = DUMMY_CREDENTIALS): STSClient =>
    new STSClient({ endpoint, region: REGION, credentials });
  const iamIn = (accountId: string): IAMClient => {
    const client = iam();
    const header: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-moto-account-id"] = accountId;
      return next(args);
    };
    client.middlewareStack.add(header, { step: "build", name: "motoAccountId" });
    return client;
  };

  async function createUser(name: string, opts: CreateUserOptions = {}): Promise<CreatedUser> {
    const admin = iam();
    const created = await admin.send(
      new CreateUserCommand({
        UserName: name,
        Path: opts.path,
        Tags: opts.tags && Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const arn = created.User?.Arn;
    if (arn === undefined) throw new Error(`CreateUser ${name} returned no ARN`);
    if (opts.console === true) {
      await admin.send(
        new CreateLoginProfileCommand({ UserName: name, Password: "Keywarden-test-Passw0rd!" }),
      );
    }
    let mfaSerial: string | undefined;
    if (opts.mfa === "virtual") {
      const device = await admin.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }));
      mfaSerial = device.VirtualMFADevice?.SerialNumber;
    } else if (opts.mfa === "hardware") {
      // moto enables any serial; one that no virtual device has is a "hardware" device.
      mfaSerial = `arn:aws:iam::${ACCOUNT_ID}:u2f/user/${name}/security-key`;
    }
    if (mfaSerial !== undefined) {
      await admin.send(
        new EnableMFADeviceCommand({
          UserName: name,
          SerialNumber: mfaSerial,
          AuthenticationCode1: "123456",
          AuthenticationCode2: "654321",
        }),
      );
    }
    const now = opts.now ?? new Date();
    if (opts.createdDaysAgo !== undefined || opts.passwordLastUsedDaysAgo !== undefined) {
      await client.backdate({
        user_name: name,
        user_create_date: opts.createdDaysAgo === undefined ? undefined : daysAgo(opts.createdDaysAgo, now),
        password_last_used:
          opts.passwordLastUsedDaysAgo === undefined ? undefined : daysAgo(opts.passwordLastUsedDaysAgo, now),
      });
    }
    return mfaSerial === undefined ? { userName: name, arn } : { userName: name, arn, mfaSerial };
  }

  async function createKey(userName: string, opts: CreateKeyOptions = {}): Promise<CreatedKey> {
    const admin = iam();
    const out = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
    const key = out.AccessKey;
    if (key?.AccessKeyId === undefined || key.SecretAccessKey === undefined) {
      throw new Error(`CreateAccessKey for ${userName} returned no key`);
    }
    if (opts.status === "Inactive") {
      await admin.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId, Status: "Inactive" }),
      );
    }
    const now = opts.now ?? new Date();
    if (opts.createdDaysAgo !== undefined || opts.lastUsed !== undefined) {
      await client.backdate({
        access_key_id: key.AccessKeyId,
        create_date: opts.createdDaysAgo === undefined ? undefined : daysAgo(opts.createdDaysAgo, now),
        last_used:
          opts.lastUsed === undefined || opts.lastUsed === null
            ? opts.lastUsed
            : {
                date: daysAgo(opts.lastUsed.daysAgo, now),
                service: opts.lastUsed.service,
                region: opts.lastUsed.region,
              },
      });
    }
    return { userName, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  }

  async function createAdmin(name = "keywarden-test-admin"): Promise<CreatedKey> {
    await createUser(name);
    await iam().send(
      new AttachUserPolicyCommand({
        UserName: name,
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
    return createKey(name);
  }

  return { endpoint, client, iam, sts, iamIn, createUser, createKey, createAdmin, daysAgo };
}
