import { createRequire } from "node:module";

// The AWS SDK's packages, read on first use. They are CommonJS: a synchronous require loads one
// where an ESM `import` would also run Node's CommonJS export scan and module-format check over
// every file (about a third of the SDK's load time here), and only the packages a verb uses are
// read at all. Types come from `import type`, which costs nothing at run time.

const load = createRequire(import.meta.url);

const once = (name: string): (() => unknown) => {
  let m: unknown;
  return () => (m ??= load(name) as unknown);
};

export const sdk = {
  iam: once("@aws-sdk/client-iam") as () => typeof import("@aws-sdk/client-iam"),
  sts: once("@aws-sdk/client-sts") as () => typeof import("@aws-sdk/client-sts"),
  secretsManager: once(
    "@aws-sdk/client-secrets-manager",
  ) as () => typeof import("@aws-sdk/client-secrets-manager"),
  ssm: once("@aws-sdk/client-ssm") as () => typeof import("@aws-sdk/client-ssm"),
  organizations: once(
    "@aws-sdk/client-organizations",
  ) as () => typeof import("@aws-sdk/client-organizations"),
  credentialProviders: once(
    "@aws-sdk/credential-providers",
  ) as () => typeof import("@aws-sdk/credential-providers"),
};
