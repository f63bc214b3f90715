import type { Command } from "@commander-js/extra-typings";
import type { CliIO } from "../io.js";
import type { CommandModule } from "../main.js";
import { addAuditOptions, executeAudit, type AuditFlags } from "./audit.js";

// The emulator's IAM accepts any credentials while auth checks are off (the launcher's default).
const DEMO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const DEMO_REGION = "us-east-1";

function envLines(endpoint: string): string {
  return [
    `export AWS_ENDPOINT_URL=${endpoint}`,
    `export AWS_ACCESS_KEY_ID=${DEMO_CREDENTIALS.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${DEMO_CREDENTIALS.secretAccessKey}`,
    `export AWS_REGION=${DEMO_REGION}`,
  ].join("\n");
}

/** `failOnGiven`: the demo shows findings on purpose, so only a --fail-on typed by the user can fail it. */
export async function runDemo(
  flags: AuditFlags & { keep?: boolean },
  io: CliIO,
  failOnGiven = false,
): Promise<number> {
  const [{ startEmulator }, { EmulatorClient }, { demoAccount }] = await Promise.all([
    import("../../emulator/process.js"),
    import("../../emulator/client.js"),
    import("../../emulator/demo-account.js"),
  ]);
  io.stderr.write("keywarden demo: starting the local AWS emulator (moto) on 127.0.0.1...\n");
  const emulator = await startEmulator({ keepAlive: flags.keep === true });
  let stopped = false;
  let audited: number;
  try {
    const client = new EmulatorClient(emulator.endpoint);
    const account = demoAccount(new Date());
    const seeded = await client.bulkSeed({ users: account.users });
    await client.setRoot(account.root);
    const { seedDemoPolicies } = await import("../../aws/demo-policies.js");
    await seedDemoPolicies(emulator.endpoint, DEMO_REGION, DEMO_CREDENTIALS);
    const keys = seeded.users.reduce((n, u) => n + u.access_keys.length, 0);
    io.stderr.write(
      `keywarden demo: seeded account 123456789012 with ${seeded.users.length} users and ${keys} access keys; auditing it:\n\n`,
    );
    audited = await executeAudit(flags, io, {
      endpointUrl: emulator.endpoint,
      region: DEMO_REGION,
      credentials: DEMO_CREDENTIALS,
    });
    if (flags.keep) {
      io.stderr.write(
        `\nThe emulator keeps running (pid ${emulator.pid}, log ${emulator.logFile ?? "-"}). Point other verbs at it:\n\n` +
          `${envLines(emulator.endpoint)}\n\n` +
          // npx: in a clone, `keywarden` itself is not on the PATH.
          `Then try: npx keywarden audit --stats, npx keywarden keys --user carol, npx keywarden rules,\n` +
          `  npx keywarden rotate --user svc-backup --to dotenv:/tmp/svc-backup.env --observe 0 --delete-now --yes\n` +
          `Stop it with: kill ${emulator.pid}\n`,
      );
    } else {
      io.stderr.write(
        "\nTry next:\n" +
          "  npx keywarden demo --keep          keep the emulator running and point other verbs at it\n" +
          "  npx keywarden demo --format json   the same audit as the JSON contract (also csv, markdown)\n" +
          "  npx keywarden demo --all           show passing checks too\n" +
          "  npx keywarden rules                every rule with its CIS and Security Hub references\n" +
          "  npx keywarden permissions audit    the IAM policy `keywarden audit` needs on a real account\n" +
          "  npx keywarden audit --profile P    the same audit on your own AWS account\n",
      );
      stopped = true;
      await emulator.stop();
    }
  } catch (err) {
    if (!stopped) await emulator.stop();
    throw err;
  }
  // The demo succeeds when the audit ran, unless the user asked for a --fail-on gate.
  return failOnGiven ? audited : 0;
}

export const register: CommandModule["register"] = (program: Command, io, exit) => {
  const cmd = addAuditOptions(
    program
      .command("demo")
      .description("Audit a realistic account in a local AWS emulator: no AWS account needed")
      .option("--keep", "leave the emulator running and print the environment to point other verbs at it")
      .addHelpText(
        "after",
        `
Needs python3 with moto (pip install "moto[server]==5.2.1").

Examples:
  keywarden demo
  keywarden demo --keep --format json
  keywarden demo --fail-on critical      # exit 1 when the demo account has a critical finding`,
      ),
  );
  cmd.action(async () => {
    const failOnGiven = cmd.getOptionValueSource("failOn") === "cli";
    exit(await runDemo(cmd.opts() as unknown as AuditFlags & { keep?: boolean }, io, failOnGiven));
  });
};
