/* eslint-disable no-console */
/* global process, console */
// The peer of `keywarden respond KEY --yes` in the respond bench: the plain AWS SDK v3 script a
// person would write to contain a leaked key, with the same calls keywarden makes before the key is
// inactive: the key's account and its user at once, then deactivate, then attach AWS's quarantine
// policy. No checks beyond what the calls themselves do, no report.
//   node bench/respond-peer.js AKIA...   (AWS_ENDPOINT_URL, AWS_REGION and credentials from the environment)
import {
  AttachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetAccessKeyInfoCommand, STSClient } from "@aws-sdk/client-sts";

const key = process.argv[2];
const iam = new IAMClient({});
const sts = new STSClient({});
const [, used] = await Promise.all([
  sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: key })),
  iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key })),
]);
const user = used.UserName;
await iam.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: key, Status: "Inactive" }));
await iam.send(
  new AttachUserPolicyCommand({
    UserName: user,
    PolicyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV4",
  }),
);
console.log(`contained ${key.slice(0, 4)}...${key.slice(-4)} (user ${user})`);
