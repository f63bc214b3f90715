import { describe, expect, it } from "vitest";
import { buildPlan } from "./plan.js";
import { renderPlanText } from "./render.js";
import { calls, evidence } from "./test-builders.js";

// The text form says when nothing was decided, lists the candidates, and masks the key in its title.

const OPTS = {
  now: new Date("2026-12-01T00:00:00Z"),
  region: "us-east-1",
  partition: "aws",
  watch: "7d",
  soak: "14d",
};

describe("the plan as text", () => {
  it("thin evidence: not decided, every candidate listed, the step to choose with --kind", () => {
    const text = renderPlanText(
      buildPlan(evidence(null), { ...OPTS, replayArgs: ["--no-lookup", "--logs", "./my logs"] }),
    );
    expect(text).toMatch(/^Migration plan for AKIA\*{12}MPLE \(IAM user worker, account 123456789012\)/);
    expect(text).toContain("not decided (no evidence)");
    expect(text).toContain("CloudTrail: not read");
    for (const kind of ["oidc-github", "instance-profile", "roles-anywhere", "identity-center"])
      expect(text).toContain(`- ${kind} (score 0)`);
    expect(text).toContain(
      "$ keywarden plan-migration AKIAIOSFODNN7EXAMPLE --no-lookup --logs './my logs' --kind KIND",
    );
    expect(text).not.toContain("Trust policy");
  });

  it("a decided plan: the kind, the trust policy, the policy and numbered steps, deactivation before deletion", () => {
    const text = renderPlanText(
      buildPlan(evidence(calls(3, "aws-sdk-js/3.600.0 exec-env/AWS_Lambda_nodejs20.x")), {
        ...OPTS,
        roleName: "orders-fn",
      }),
    );
    expect(text).toContain("lambda: a Lambda execution role");
    expect(text).toContain('"Service": "lambda.amazonaws.com"');
    expect(text).toContain('"Action": "s3:GetObject"');
    expect(text.indexOf("--status Inactive")).toBeLessThan(text.indexOf("delete-access-key"));
    expect(text).toContain(
      "aws lambda update-function-configuration --region us-east-1 --function-name FUNCTION --role arn:aws:iam::123456789012:role/orders-fn",
    );
  });
});
