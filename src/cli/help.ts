import type { Command, CommandUnknownOpts } from "@commander-js/extra-typings";

/*
 * Examples and exit codes for the verbs whose own file does not print them, so that every
 * `--help` has both (a test walks every verb). A verb that prints its own keeps its text.
 */
interface HelpSection {
  examples?: string[];
  exitCodes?: string;
}

const STORE_EXITS = "0 done, 2 usage (an id that does not exist), 6 the store cannot be opened";

const SECTIONS: Record<string, HelpSection> = {
  rotations: {
    examples: [
      "keywarden rotations",
      "keywarden rotations show rot-abc123",
      "keywarden rotations advance --yes",
    ],
    exitCodes: "0 done, 1 a due job failed (advance), 2 usage, 6 the store cannot be opened",
  },
  "rotations list": {
    examples: [
      "keywarden rotations                   # a table on a terminal, JSON when piped",
      "keywarden rotations list --format json | jq '.[] | select(.state == \"failed\")'",
    ],
    exitCodes: "0 listed, 2 usage, 6 the store cannot be opened",
  },
  "rotations show": {
    examples: [
      "keywarden rotations show rot-abc123",
      "keywarden rotations show rot-abc123 --format json -o rot-abc123.json",
    ],
    exitCodes: STORE_EXITS,
  },
  "rotations advance": {
    examples: [
      "keywarden rotations advance --yes                  # from cron or a systemd timer",
      "keywarden rotations advance --yes --store postgres://keywarden@db/keywarden",
    ],
    exitCodes:
      "0 every due step ran (or waits), 1 a job failed (its line on stderr says why; `keywarden rotations show ID`), 2 usage, 6 the store cannot be opened",
  },
  demo: {
    exitCodes:
      "0 the demo ran (and nothing at or above --fail-on when it is given), 1 findings at or above --fail-on, 2 usage, 6 the emulator cannot start (python3 with moto missing)",
  },
  rules: {
    examples: [
      "keywarden rules",
      "keywarden rules --format json | jq '.rules[].id'",
      "keywarden rules --config keywarden.yaml",
    ],
    exitCodes: "0 listed, 2 usage or a policy file that does not validate, 6 the policy file cannot be read",
  },
  permissions: { exitCodes: "0 printed, 2 an unknown verb" },
  respond: {
    exitCodes:
      "0 contained and investigated (--event: also an event handled already or not acted on), 1 a region's lookup or a --strict read failed (containment stands), 2 usage (an --event file that cannot be read or is not an EventBridge event), 3 credentials, 4 access denied, 5 AWS or network failure, 6 environment, 7 the key belongs to another account (with --org: an account outside your organization)",
  },
  trail: {
    exitCodes:
      "0 read, 1 a region's lookup failed or (--strict) a --logs file or record could not be read, 2 usage, 3 credentials, 4 access denied, 5 AWS or network failure, 6 a --logs path cannot be read, 7 with --org: the key's account is outside your organization",
  },
  incidents: {
    examples: [
      "keywarden incidents",
      "keywarden incidents show inc-20261121-093000-a1b2c3",
      "keywarden incidents report inc-20261121-093000-a1b2c3 --format html -o incident.html",
    ],
    exitCodes: STORE_EXITS,
  },
  "incidents list": {
    examples: ["keywarden incidents", "keywarden incidents list --key AKIAIOSFODNN7EXAMPLE --format json"],
    exitCodes: "0 listed, 2 usage, 6 the store cannot be opened",
  },
  "incidents show": {
    examples: [
      "keywarden incidents show inc-20261121-093000-a1b2c3",
      "keywarden incidents show inc-20261121-093000-a1b2c3 -o incident.md",
    ],
    exitCodes: STORE_EXITS,
  },
  "incidents report": { exitCodes: STORE_EXITS },
  init: { exitCodes: "0 written, 2 the file exists (pass --force), 6 the folder cannot be written" },
  pause: {
    examples: ['keywarden pause --reason "change freeze until Monday"', "keywarden resume"],
    exitCodes: "0 paused, 2 usage, 6 the store cannot be opened",
  },
  resume: {
    examples: ["keywarden resume", 'keywarden pause --reason "incident 42" && keywarden resume'],
    exitCodes: "0 enforcement may run again, 2 usage, 6 the store cannot be opened",
  },
  notifications: {
    examples: [
      "keywarden notifications                      # the newest 200",
      "keywarden notifications --status failed --format json",
      "keywarden notifications --key AKIAIOSFODNN7EXAMPLE",
    ],
    exitCodes: "0 listed, 2 usage, 6 the store cannot be opened",
  },
  hook: {
    examples: ["keywarden hook install", "keywarden hook install ../other-repo --force"],
    exitCodes:
      "0 installed, 2 usage (not inside a git repository), 6 the hook cannot be written, 7 another hook is there (use --force)",
  },
};

function pathOf(cmd: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts = cmd; c.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

export function addHelpSections(program: Command): void {
  const walk = (cmd: CommandUnknownOpts) => {
    for (const sub of cmd.commands) {
      const section = SECTIONS[pathOf(sub)];
      if (section) {
        const parts: string[] = [];
        if (section.examples) parts.push(`\nExamples:\n${section.examples.map((e) => `  ${e}`).join("\n")}`);
        if (section.exitCodes) parts.push(`\nExit codes: ${section.exitCodes}.`);
        sub.addHelpText("after", parts.join("\n"));
      }
      walk(sub);
    }
  };
  walk(program);
}
