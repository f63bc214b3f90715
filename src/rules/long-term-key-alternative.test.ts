import { describe, expect, it } from "vitest";
import { longTermKeyAlternative as rule } from "./long-term-key-alternative.js";
import { aContext, aKey, anInventory, single } from "./test-builders.js";

const judge = (key: ReturnType<typeof aKey>) =>
  single(rule.evaluate(anInventory({ keys: [key] }), aContext()));

describe("long-term-key-alternative", () => {
  it.each([
    ["ec2", "instance profile", "aws ec2 associate-iam-instance-profile"],
    ["lambda", "execution role", "aws lambda update-function-configuration"],
    ["ecs", "task role", "aws ecs register-task-definition"],
    ["eks", "Pod Identity", "aws eks create-pod-identity-association"],
    ["codebuild", "service role", "aws codebuild update-project"],
    ["EC2", "instance profile", "aws ec2 associate-iam-instance-profile"],
  ])("suggests the role of the compute service for %s", (service, advice, command) => {
    const key = aKey({ userName: "svc-app", lastUsedService: service });
    const f = judge(key);
    expect(f).toMatchObject({ result: "WARN", severity: "info", accessKeyId: key.accessKeyId });
    expect(f.message).toContain(advice);
    expect(f.remediation).toContain(command);
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name svc-app --access-key-id ${key.accessKeyId} --status Inactive`,
    );
    expect(f.remediation).toContain("keywarden keys");
  });

  it("suggests OIDC federation for a CI-looking user, with the GitHub issuer", () => {
    const f = judge(aKey({ userName: "github-actions-deploy", lastUsedService: "s3" }));
    expect(f.message).toContain("OIDC");
    expect(f.remediation).toContain(
      "aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com",
    );
  });

  it("recognises CI from a tag value and a deploy service", () => {
    expect(judge(aKey({ userName: "svc1", userTags: { owner: "gitlab ci" } })).remediation).toContain(
      "--url https://gitlab.com",
    );
    expect(judge(aKey({ userName: "svc2", lastUsedService: "ecr" })).remediation).toContain(
      "--url <oidc-issuer-url>",
    );
  });

  it("does not take a word containing 'ci' for CI", () => {
    expect(judge(aKey({ userName: "lucia", lastUsedService: "s3" })).message).not.toContain("OIDC");
  });

  it("suggests IAM Identity Center for a person (console user)", () => {
    const f = judge(aKey({ userName: "nina", passwordEnabled: true, lastUsedService: "s3" }));
    expect(f.message).toContain("IAM Identity Center");
    expect(f.remediation).toContain("aws configure sso");
  });

  it("suggests a role or IAM Roles Anywhere for another workload", () => {
    const f = judge(aKey({ userName: "reporting", lastUsedService: "dynamodb" }));
    expect(f.message).toContain("IAM Roles Anywhere");
    expect(f.remediation).toContain("aws rolesanywhere create-trust-anchor");
    expect(f.remediation).toContain("aws rolesanywhere create-profile");
  });

  it.each([null, "N/A", "not_supported", ""])("passes with no advice when the service is %j", (service) => {
    const f = judge(aKey({ lastUsedService: service }));
    expect(f.result).toBe("PASS");
    expect(f.remediation).toBe("");
  });

  it("passes with no advice when the key was never used, whatever the service field says", () => {
    const f = judge(aKey({ lastUsedAt: null, lastUsedService: "ec2" }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("never used");
  });

  it("ignores inactive keys", () => {
    expect(
      rule.evaluate(
        anInventory({ keys: [aKey({ status: "Inactive", lastUsedService: "ec2" })] }),
        aContext(),
      ),
    ).toEqual([]);
  });
});
