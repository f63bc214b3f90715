import { describe, expect, it } from "vitest";
import { ExitCode } from "../../domain/errors.js";
import { getProfile, parseIni, serialize } from "../ini.js";
import { MfaError } from "./errors.js";
import { applySession, planLongTermKeys, type LongTermSource } from "./plan.js";

const NAMES = { profile: "dev", longTermProfile: "dev-long-term" };
const LONG_ID = "AKIAIOSFODNN7LONGKEY";
const LONG_SECRET = "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";
const OTHER_ID = "AKIAI44QH8DHBOTHERKY";
const SESSION = {
  accessKeyId: "ASIAIOSFODNN7SESSION",
  secretAccessKey: "sessionSecret/abc+def",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN==",
  expiration: new Date("2026-05-04T17:00:00.000Z"),
};

function refused(fn: () => unknown): MfaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MfaError);
    return e as MfaError;
  }
  throw new Error("expected an MfaError");
}

describe("planLongTermKeys", () => {
  it("takes the keys from [P-long-term]", () => {
    const doc = parseIni(
      `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`,
    );
    expect(planLongTermKeys(doc, NAMES)).toEqual({
      kind: "long-term-profile",
      keys: { accessKeyId: LONG_ID, secretAccessKey: LONG_SECRET },
    });
  });

  it("moves the keys of [P] when there is no [P-long-term] and [P] holds no session", () => {
    const doc = parseIni(`[dev]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`);
    expect(planLongTermKeys(doc, NAMES)).toEqual({
      kind: "move",
      keys: { accessKeyId: LONG_ID, secretAccessKey: LONG_SECRET },
    });
  });

  it("accepts [P] holding a copy of the long-term key, or a session", () => {
    const copy = `[dev]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`;
    const lt = `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`;
    expect(planLongTermKeys(parseIni(copy + lt), NAMES).kind).toBe("long-term-profile");
    const sess = `[dev]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n`;
    expect(planLongTermKeys(parseIni(sess + lt), NAMES).kind).toBe("long-term-profile");
  });

  it("refuses to overwrite another long-term key in [P] (exit 7), naming both masked", () => {
    const doc = parseIni(
      `[dev]\naws_access_key_id = ${OTHER_ID}\naws_secret_access_key = other\n` +
        `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`,
    );
    const e = refused(() => planLongTermKeys(doc, NAMES, "/home/a/.aws/credentials"));
    expect(e.exitCode).toBe(ExitCode.CONFLICT);
    expect(e.code).toBe("PROFILE_HOLDS_OTHER_KEY");
    expect(e.message).toContain(`AKIA************${OTHER_ID.slice(-4)}`);
    expect(e.message).toContain(`AKIA************${LONG_ID.slice(-4)}`);
    expect(e.message).not.toContain(OTHER_ID);
    expect(e.message).not.toContain(LONG_SECRET);
  });

  it("refuses a long-term profile that holds a session token, or no keys (exit 3)", () => {
    const withToken = parseIni(
      `[dev-long-term]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n`,
    );
    expect(refused(() => planLongTermKeys(withToken, NAMES))).toMatchObject({
      exitCode: ExitCode.CREDENTIALS,
      code: "LONG_TERM_KEY_IS_SESSION",
    });
    const legacy = parseIni(
      `[dev-long-term]\naws_access_key_id = A\naws_secret_access_key = s\naws_security_token = t\n`,
    );
    expect(refused(() => planLongTermKeys(legacy, NAMES)).code).toBe("LONG_TERM_KEY_IS_SESSION");
    const empty = parseIni(`[dev-long-term]\nregion = eu-west-1\n`);
    expect(refused(() => planLongTermKeys(empty, NAMES))).toMatchObject({
      exitCode: ExitCode.CREDENTIALS,
      code: "NO_LONG_TERM_KEYS",
    });
  });

  it("refuses when there is no long-term key anywhere, saying how to add one", () => {
    const none = refused(() => planLongTermKeys(parseIni(`[other]\naws_access_key_id = A\n`), NAMES));
    expect(none.code).toBe("NO_LONG_TERM_KEYS");
    expect(none.fix).toContain("aws configure --profile dev-long-term");
    const onlySession = parseIni(
      `[dev]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n`,
    );
    expect(refused(() => planLongTermKeys(onlySession, NAMES)).message).toContain("holds a session");
  });
});

describe("applySession", () => {
  const write = { credentials: SESSION };

  it("adds [P] at the end and leaves every other byte as it was", () => {
    const before =
      "# my keys\n[default]\nregion = eu-west-1\n\n" +
      `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`;
    const doc = parseIni(before);
    const source = planLongTermKeys(doc, NAMES);
    expect(applySession(doc, NAMES, source, write)).toEqual({ moved: false, changed: true });
    expect(serialize(doc)).toBe(
      before +
        "\n[dev]\n" +
        `aws_access_key_id = ${SESSION.accessKeyId}\n` +
        `aws_secret_access_key = ${SESSION.secretAccessKey}\n` +
        `aws_session_token = ${SESSION.sessionToken}\n` +
        "expiration = 2026-05-04T17:00:00Z\n",
    );
  });

  it("replaces an old session in place, keeping spacing, comments and extra keys, and drops the legacy token", () => {
    const before =
      "[dev]\n" +
      "# session\n" +
      "aws_access_key_id=ASIAOLD\n" +
      "aws_secret_access_key=oldsecret\n" +
      "aws_security_token=legacy\n" +
      "aws_session_token=oldtoken\n" +
      "expiration=2026-05-03T17:00:00Z\n" +
      "assumed_role_arn=arn:aws:iam::123456789012:role/ops\n" +
      "region=eu-west-1\r\n" +
      `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`;
    const doc = parseIni(before);
    applySession(doc, NAMES, planLongTermKeys(doc, NAMES), write);
    expect(serialize(doc)).toBe(
      "[dev]\n" +
        "# session\n" +
        `aws_access_key_id=${SESSION.accessKeyId}\n` +
        `aws_secret_access_key=${SESSION.secretAccessKey}\n` +
        `aws_session_token=${SESSION.sessionToken}\n` +
        "expiration=2026-05-04T17:00:00Z\n" +
        "region=eu-west-1\r\n" +
        `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`,
    );
  });

  it("first run: copies [P]'s keys into a new [P-long-term] and puts the session in [P]", () => {
    const before =
      "; laptop\n[dev]\naws_access_key_id = " +
      LONG_ID +
      "\naws_secret_access_key = " +
      LONG_SECRET +
      "\nregion = us-west-2\n\n[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = prodsecret\n";
    const doc = parseIni(before);
    const source: LongTermSource = planLongTermKeys(doc, NAMES);
    expect(source.kind).toBe("move");
    expect(applySession(doc, NAMES, source, write).moved).toBe(true);
    expect(serialize(doc)).toBe(
      "; laptop\n[dev]\n" +
        `aws_access_key_id = ${SESSION.accessKeyId}\n` +
        `aws_secret_access_key = ${SESSION.secretAccessKey}\n` +
        "region = us-west-2\n" +
        `aws_session_token = ${SESSION.sessionToken}\n` +
        "expiration = 2026-05-04T17:00:00Z\n" +
        "\n[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = prodsecret\n" +
        `\n[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`,
    );
    // What the AWS tools read afterwards.
    expect(getProfile(doc, "dev-long-term")).toEqual({
      aws_access_key_id: LONG_ID,
      aws_secret_access_key: LONG_SECRET,
    });
    expect(getProfile(doc, "dev")?.aws_session_token).toBe(SESSION.sessionToken);
    // The next run finds the keys in the long-term profile, not a second move.
    expect(planLongTermKeys(doc, NAMES).kind).toBe("long-term-profile");
  });

  it("records the role of a role session, and forgets it for a plain one", () => {
    const role = "arn:aws:iam::123456789012:role/ops";
    const doc = parseIni(
      `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`,
    );
    const source = planLongTermKeys(doc, NAMES);
    applySession(doc, NAMES, source, { credentials: SESSION, roleArn: role });
    expect(getProfile(doc, "dev")?.assumed_role_arn).toBe(role);
    applySession(doc, NAMES, source, write);
    expect(getProfile(doc, "dev")?.assumed_role_arn).toBeUndefined();
    expect(serialize(doc)).not.toContain("assumed_role_arn");
  });

  it("writing the same session twice changes nothing the second time", () => {
    const doc = parseIni(
      `[dev-long-term]\naws_access_key_id = ${LONG_ID}\naws_secret_access_key = ${LONG_SECRET}\n`,
    );
    const source = planLongTermKeys(doc, NAMES);
    applySession(doc, NAMES, source, write);
    const once = serialize(doc);
    expect(applySession(doc, NAMES, source, write).changed).toBe(false);
    expect(serialize(doc)).toBe(once);
  });
});
