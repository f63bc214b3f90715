import { describe, expect, it } from "vitest";
import { SecretShapedValueError } from "./errors.js";
import { assertNoSecrets, looksLikeSecretAccessKey } from "./guard.js";

// Shaped like AWS's documented example secret; never a real one.
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("looksLikeSecretAccessKey", () => {
  it.each([
    ["the bare value", SECRET],
    ["inside an assignment", `aws_secret_access_key = ${SECRET}`],
    ["in quotes", `"${SECRET}"`],
    ["with + and /", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/Ab"],
  ])("flags %s", (_label, text) => {
    expect(looksLikeSecretAccessKey(text)).toBe(true);
  });

  it.each([
    ["an access key id", "AKIAIOSFODNN7EXAMPLE"],
    ["a SHA-1 hex digest", "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["39 characters", SECRET.slice(1)],
    ["41 characters in one run", `${SECRET}A`],
    ["part of a longer base64 run", `x${SECRET}`],
    [
      "a path broken by dots and dashes",
      "/root/.local/share/keywarden/backups/rot-m1x2y3z4-k7q2p/credentials.bak",
    ],
    ["a lower-case path run", "/home/alice/projects/service/config/abcde"],
    ["an empty string", ""],
  ])("lets %s through", (_label, text) => {
    expect(looksLikeSecretAccessKey(text)).toBe(false);
  });
});

describe("assertNoSecrets", () => {
  it("names where the value was, never the value", () => {
    let caught: unknown;
    try {
      assertNoSecrets({ a: [{ b: 1 }, { c: SECRET }] }, "data");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SecretShapedValueError);
    expect((caught as Error).message).toBe(
      "refusing to store something shaped like a secret access key (in data.a[1].c)",
    );
    expect((caught as Error).message).not.toContain(SECRET);
  });

  it("checks object keys without echoing them", () => {
    expect(() => {
      assertNoSecrets({ ok: { [SECRET]: 1 } }, "options");
    }).toThrow("refusing to store something shaped like a secret access key (in a key of options.ok)");
  });

  it("accepts ordinary nested data, undefined and cycles", () => {
    const cyclic: Record<string, unknown> = { n: 1, s: "AKIAIOSFODNN7EXAMPLE", d: new Date(0) };
    cyclic.self = cyclic;
    expect(() => {
      assertNoSecrets(cyclic, "data");
      assertNoSecrets(undefined, "data");
    }).not.toThrow();
  });
});

describe("legal IAM names are not secrets", () => {
  // 40 mixed-case letters and digits: a legal IAM user name, and shaped like a secret without `/`.
  const NAME = "SvcDeployPipelineProd2024Account01Worker";
  const ARN = `arn:aws:iam::123456789012:user/ci/${NAME}`;

  it("the name has the secret shape on its own", () => {
    expect(NAME).toHaveLength(40);
    expect(looksLikeSecretAccessKey(NAME)).toBe(true);
  });

  it("in a userName field, and wherever the same record repeats it (messages, commands)", () => {
    const audit = {
      keys: [{ userName: NAME, accessKeyId: "AKIAIOSFODNN7EXAMPLE" }],
      findings: [
        { userName: NAME, message: `User ${NAME} has 1 active access key.` },
        { userName: null, remediation: `aws iam update-access-key --user-name ${NAME} --status Inactive` },
      ],
    };
    expect(() => {
      assertNoSecrets(audit, "audit data");
    }).not.toThrow();
  });

  it("in role, group and policy name fields, as AWS spells them too", () => {
    for (const field of ["roleName", "RoleName", "groupName", "policyName", "UserName", "user_name"]) {
      expect(() => {
        assertNoSecrets({ [field]: NAME, detail: `created ${NAME}` }, "data");
      }).not.toThrow();
    }
  });

  it("as the last segment of an IAM or STS ARN, and then in free text of the same value", () => {
    expect(() => {
      assertNoSecrets({ userArn: ARN, message: `${NAME} made 3 calls` }, "data");
      assertNoSecrets(
        { arn: `arn:aws:sts::123456789012:assumed-role/deploy/${NAME}`, note: `session ${NAME}` },
        "data",
      );
      assertNoSecrets(`/ci/${NAME}/`, "a path"); // a path joins its segments into one longer run
    }).not.toThrow();
  });

  it("a name of 40 characters behind a prefix (svc_...) passes as well", () => {
    expect(() => {
      assertNoSecrets({ userName: `svc_${NAME}`, message: `user svc_${NAME}` }, "data");
    }).not.toThrow();
  });

  it("a secret is still refused in any other field of a record that holds the name", () => {
    expect(() => {
      assertNoSecrets({ userName: NAME, note: SECRET }, "data");
    }).toThrow(SecretShapedValueError);
    const other = "Zq9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBaZyXw"; // 40 alnum, not the record's name
    expect(() => {
      assertNoSecrets({ userName: NAME, message: `User ${other} has a key` }, "data");
    }).toThrow(SecretShapedValueError);
  });

  it("a secret in a name field is refused: `/` is not legal in an IAM name", () => {
    expect(() => {
      assertNoSecrets({ userName: SECRET }, "data");
    }).toThrow("refusing to store something shaped like a secret access key (in data.userName)");
    expect(() => {
      assertNoSecrets({ arn: `arn:aws:iam::123456789012:user/${SECRET}`, message: SECRET }, "data");
    }).toThrow(SecretShapedValueError);
  });

  it("a secret without `/` in a field that is not a name field is refused", () => {
    expect(() => {
      assertNoSecrets({ targets: [{ value: NAME }] }, "targets");
    }).toThrow(SecretShapedValueError);
  });
});
