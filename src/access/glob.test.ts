import { describe, expect, it } from "vitest";
import { actionMatches, resourceMatches } from "./glob.js";

describe("actionMatches", () => {
  it("matches literal actions case-insensitively and only whole", () => {
    expect(actionMatches("S3:getobject", "s3:GetObject")).toBe(true);
    expect(actionMatches("s3:GetObject", "s3:GetObjectAcl")).toBe(false);
    expect(actionMatches("s3:GetObjectAcl", "s3:GetObject")).toBe(false);
  });

  it("treats * as any run and ? as one character, across the colon", () => {
    expect(actionMatches("*", "iam:CreateUser")).toBe(true);
    expect(actionMatches("iam:Create*", "IAM:createaccesskey")).toBe(true);
    expect(actionMatches("i*y", "iam:CreateAccessKey")).toBe(true);
    expect(actionMatches("s3:GetObjec?", "s3:GetObject")).toBe(true);
    expect(actionMatches("s3:GetObjec?", "s3:GetObjects3")).toBe(false);
    expect(actionMatches("s3:Get.bject", "s3:GetObject")).toBe(false);
  });
});

describe("resourceMatches", () => {
  it("matches case-sensitively, the same pattern twice from the cache", () => {
    expect(resourceMatches("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", {})).toBe(true);
    expect(resourceMatches("arn:aws:s3:::b/*", "arn:aws:s3:::B/k", {})).toBe(false);
    expect(resourceMatches("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", {})).toBe(true);
  });
});
