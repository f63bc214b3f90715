import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { openSession } from "./session.js";

// `keywarden demo`: a few policies on the seeded users, through IAM's own API, so the demo's
// Risk column and Fix first list show every blast-radius class rather than "nothing" everywhere.

const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const AWS = (name: string) => `arn:aws:iam::aws:policy/${name}`;

export async function seedDemoPolicies(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  // Through the session like every other client (one place builds clients, and counts calls).
  const session = await openSession({ endpointUrl: endpoint, region, credentials });
  const iam = session.iam();
  try {
    const attach = (UserName: string, name: string) =>
      iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn: AWS(name) }));
    const inline = (UserName: string, PolicyName: string, statements: object[]) =>
      iam.send(new PutUserPolicyCommand({ UserName, PolicyName, PolicyDocument: doc(statements) }));
    await attach("svc-terraform", "AdministratorAccess");
    await attach("svc-monitoring", "ReadOnlyAccess");
    await attach("carol", "SecurityAudit");
    await inline("svc-ci-deploy", "ci-deploy", [
      {
        Sid: "Deploy",
        Effect: "Allow",
        Action: ["iam:PassRole", "ec2:RunInstances", "ec2:Describe*"],
        Resource: "*",
      },
    ]);
    await inline("mallory", "key-helper", [
      { Sid: "Keys", Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "*" },
    ]);
    await inline("svc-reporting", "report-secrets", [
      {
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
      },
    ]);
    await inline("svc-backup", "backup-bucket", [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: "arn:aws:s3:::example-backups/*",
      },
    ]);
    await iam.send(new CreateGroupCommand({ GroupName: "engineers" }));
    await iam.send(
      new AttachGroupPolicyCommand({ GroupName: "engineers", PolicyArn: AWS("PowerUserAccess") }),
    );
    for (const UserName of ["alice", "bob", "frank"]) {
      await iam.send(new AddUserToGroupCommand({ GroupName: "engineers", UserName }));
    }
  } finally {
    iam.destroy();
  }
}
