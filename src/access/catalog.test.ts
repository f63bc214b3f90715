import { describe, expect, it } from "vitest";
import { ESCALATION_PATHS } from "./catalog.js";
import { blastRadius } from "./radius.js";
import type { ProbeContext } from "./probes.js";
import { ACCOUNT, allow, deny, policy, principal } from "./test-builders.js";

const ctx: ProbeContext = {
  accountId: ACCOUNT,
  partition: "aws",
  userName: "alice",
  userPath: "/",
  groups: ["devs"],
  managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/DevTools`],
};

const pathsOf = (actions: string[], resource = "*") =>
  blastRadius(principal([policy("p", [allow(actions, resource)])]), ctx)
    .grants.filter((g) => g.class === "can-escalate")
    .map((g) => g.via);

describe("the escalation catalog", () => {
  it("cites its research and has unique ids", () => {
    expect(new Set(ESCALATION_PATHS.map((p) => p.id)).size).toBe(ESCALATION_PATHS.length);
    for (const p of ESCALATION_PATHS) expect(p.source).toMatch(/^(RHINO #\d+|RHINO2|BISHOP)$/);
  });

  // One case per entry: exactly its actions on "*" trigger it; without its last action it does not.
  it.each(ESCALATION_PATHS.map((p) => [p.id, p] as const))("%s", (id, path) => {
    const actions = path.requires.map((r) => r.action);
    expect(pathsOf(actions)).toContain(id);
    if (actions.length > 1) expect(pathsOf(actions.slice(0, -1))).not.toContain(id);
  });

  it("CreateAccessKey on oneself only is not an escalation", () => {
    const self = `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`;
    expect(pathsOf(["iam:CreateAccessKey"], self)).not.toContain("create-access-key");
  });

  it("AttachGroupPolicy on a group the user is in is enough", () => {
    expect(pathsOf(["iam:AttachGroupPolicy"], `arn:aws:iam::${ACCOUNT}:group/devs`)).toContain(
      "attach-group-policy",
    );
    expect(pathsOf(["iam:AttachGroupPolicy"], `arn:aws:iam::${ACCOUNT}:group/other`)).not.toContain(
      "attach-group-policy",
    );
  });

  it("CreatePolicyVersion on a policy attached to the user is enough", () => {
    expect(pathsOf(["iam:CreatePolicyVersion"], `arn:aws:iam::${ACCOUNT}:policy/DevTools`)).toContain(
      "create-policy-version",
    );
  });

  it("PassRole limited to one role does not make RunInstances an escalation", () => {
    const p = principal([
      policy("p", [
        allow("ec2:RunInstances"),
        allow("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/app-role`),
      ]),
    ]);
    expect(blastRadius(p, ctx).grants.map((g) => g.via)).not.toContain("passrole-ec2");
  });

  it("a Deny on the path removes it", () => {
    const p = principal([policy("p", [allow("iam:*"), deny("iam:PassRole")])]);
    const vias = blastRadius(p, ctx).grants.map((g) => g.via);
    expect(vias).toContain("create-access-key");
    expect(vias).not.toContain("passrole-ec2");
  });
});
