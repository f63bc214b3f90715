import { describe, expect, it } from "vitest";
import type { UserAuthorization } from "../domain/types.js";
import { userBlastRadius } from "./principal.js";

const ACCOUNT = "123456789012";
const doc = (s: object[]) => encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: s }));

const user = (policies: UserAuthorization["policies"], boundary: UserAuthorization["boundary"] = null) => ({
  accountId: ACCOUNT,
  userName: "alice",
  userArn: `arn:aws:iam::${ACCOUNT}:user/team/alice`,
  userPath: "/team/",
  groups: ["devs"],
  policies,
  boundary,
});

describe("userBlastRadius", () => {
  it("reads IAM's URL-encoded documents and resolves ${aws:username} to the user", () => {
    const r = userBlastRadius(
      user([
        {
          name: "self-service",
          source: "user-inline",
          arn: null,
          group: null,
          document: doc([
            {
              Effect: "Allow",
              Action: "iam:AttachUserPolicy",
              Resource: `arn:aws:iam::${ACCOUNT}:user/team/\${aws:username}`,
            },
          ]),
        },
      ]),
    );
    expect(r.grants).toContainEqual(
      expect.objectContaining({ class: "can-escalate", via: "attach-user-policy" }),
    );
    expect(r.unreadable).toEqual([]);
  });

  it("names the policies it could not read instead of taking them as no access", () => {
    const r = userBlastRadius(
      user(
        [
          { name: "broken", source: "group-inline", arn: null, group: "devs", document: "%7Bnot json" },
          {
            name: "Gone",
            source: "user-managed",
            arn: `arn:aws:iam::${ACCOUNT}:policy/Gone`,
            group: null,
            document: null,
          },
        ],
        {
          name: "b",
          source: "boundary",
          arn: `arn:aws:iam::${ACCOUNT}:policy/b`,
          group: null,
          document: null,
        },
      ),
    );
    expect(r.unreadable).toEqual(["devs/broken", "Gone", "b"]);
    expect(r.classes).toEqual(["nothing"]);
  });
});
