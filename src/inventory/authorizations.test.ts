import { describe, expect, it } from "vitest";
import { authorizationsOf } from "./authorizations.js";
import type { AuthorizationDetails } from "./ports.js";

const ACCOUNT = "123456789012";
const details: AuthorizationDetails = {
  users: [
    {
      userName: "alice",
      userId: "AIDA1",
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      path: "/",
      createdAt: new Date(0),
      tags: {},
      groups: ["devs", "gone"],
      inlinePolicies: [{ name: "own", document: "{}" }],
      attachedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      boundaryArn: `arn:aws:iam::${ACCOUNT}:policy/missing-boundary`,
    },
  ],
  groups: [
    {
      groupName: "devs",
      inlinePolicies: [{ name: "g", document: "{}" }],
      attachedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/tools`],
    },
  ],
  policies: [
    { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess", name: "ReadOnlyAccess", document: "%7B%7D" },
    { arn: `arn:aws:iam::${ACCOUNT}:policy/tools`, name: "tools", document: "{}" },
  ],
};

describe("authorizationsOf", () => {
  it("resolves a user's own and its groups' policies, and its boundary, by ARN", () => {
    const [a] = authorizationsOf(ACCOUNT, details);
    expect(a?.policies.map((p) => [p.source, p.group, p.name, p.document])).toEqual([
      ["user-inline", null, "own", "{}"],
      ["user-managed", null, "ReadOnlyAccess", "%7B%7D"],
      ["group-inline", "devs", "g", "{}"],
      ["group-managed", "devs", "tools", "{}"],
    ]);
    // A managed policy the listing did not carry keeps a null document (reported as unreadable).
    expect(a?.boundary).toMatchObject({ source: "boundary", name: "missing-boundary", document: null });
  });
});
