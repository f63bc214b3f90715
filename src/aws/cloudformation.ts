// The AWS calls of `keywarden deploy responder --apply`: the bundle into S3, the stack into
// CloudFormation, and the stack's events when it fails. Errors are mapped like every other call.
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
} from "@aws-sdk/client-cloudformation";
import {
  CreateBucketCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from "@aws-sdk/client-s3";
import { service } from "./clients.js";
import { call, callSite } from "./errors.js";
import type { AwsSession } from "./session.js";

export const CLOUDFORMATION = service(CloudFormationClient, "CloudFormation");
const S3 = service(S3Client, "S3");

export interface StackState {
  status: string;
  reason: string | null;
  outputs: Record<string, string>;
}

export interface FailedResource {
  logicalId: string;
  type: string;
  status: string;
  reason: string;
}

/** What the deploy flow needs of AWS; tests may give their own. */
export interface StackPort {
  ensureBucket(bucket: string): Promise<void>;
  putObject(bucket: string, key: string, body: Buffer): Promise<void>;
  describeStack(name: string): Promise<StackState | null>;
  createStack(name: string, templateBody: string, parameters: Record<string, string>): Promise<void>;
  /** false: CloudFormation found nothing to change. */
  updateStack(name: string, templateBody: string, parameters: Record<string, string>): Promise<boolean>;
  /** The resources that failed in the stack's latest operation, oldest first. */
  failedResources(name: string): Promise<FailedResource[]>;
}

const params = (p: Record<string, string>): Parameter[] =>
  Object.entries(p).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

// The role and its inline policies are named by CloudFormation: CAPABILITY_IAM, not _NAMED_IAM.
const CAPABILITIES = ["CAPABILITY_IAM" as const];

export function stackPort(session: AwsSession): StackPort {
  const cfn = session.client(CLOUDFORMATION);
  const s3 = session.client(S3, { pathStyleWithEndpoint: true });
  const site = (op: string, svc: string) => callSite(session, op, svc);
  return {
    async ensureBucket(bucket) {
      try {
        await call(site("CreateBucket", "s3"), () =>
          s3.send(
            new CreateBucketCommand({
              Bucket: bucket,
              // us-east-1 takes no location constraint; every other region needs its own.
              ...(session.region === "us-east-1"
                ? {}
                : {
                    CreateBucketConfiguration: {
                      LocationConstraint: session.region as BucketLocationConstraint,
                    },
                  }),
            }),
          ),
        );
      } catch (err) {
        // Made by an earlier deploy: reused.
        if ((err as { cause?: { name?: string } }).cause?.name !== "BucketAlreadyOwnedByYou") throw err;
      }
      await call(site("PutPublicAccessBlock", "s3"), () =>
        s3.send(
          new PutPublicAccessBlockCommand({
            Bucket: bucket,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        ),
      );
    },
    async putObject(bucket, key, body) {
      await call(site("PutObject", "s3"), () =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })),
      );
    },
    async describeStack(name) {
      try {
        const r = await call(site("DescribeStacks", "cloudformation"), () =>
          cfn.send(new DescribeStacksCommand({ StackName: name })),
        );
        const s = r.Stacks?.[0];
        if (!s) return null;
        const outputs: Record<string, string> = {};
        for (const o of s.Outputs ?? []) if (o.OutputKey) outputs[o.OutputKey] = o.OutputValue ?? "";
        return { status: String(s.StackStatus), reason: s.StackStatusReason ?? null, outputs };
      } catch (err) {
        // CloudFormation answers a missing stack with a ValidationError "... does not exist".
        if (/does not exist/.test((err as { cause?: { message?: string } }).cause?.message ?? ""))
          return null;
        throw err;
      }
    },
    async createStack(name, templateBody, parameters) {
      await call(site("CreateStack", "cloudformation"), () =>
        cfn.send(
          new CreateStackCommand({
            StackName: name,
            TemplateBody: templateBody,
            Parameters: params(parameters),
            Capabilities: CAPABILITIES,
            // A failed first creation is rolled back by CloudFormation; the reasons are read first.
            OnFailure: "ROLLBACK",
            Tags: [{ Key: "keywarden", Value: "responder" }],
          }),
        ),
      );
    },
    async updateStack(name, templateBody, parameters) {
      try {
        await call(site("UpdateStack", "cloudformation"), () =>
          cfn.send(
            new UpdateStackCommand({
              StackName: name,
              TemplateBody: templateBody,
              Parameters: params(parameters),
              Capabilities: CAPABILITIES,
            }),
          ),
        );
        return true;
      } catch (err) {
        if (
          /No updates are to be performed/i.test(
            (err as { cause?: { message?: string } }).cause?.message ?? "",
          )
        )
          return false;
        throw err;
      }
    },
    async failedResources(name) {
      const r = await call(site("DescribeStackEvents", "cloudformation"), () =>
        cfn.send(new DescribeStackEventsCommand({ StackName: name })),
      );
      // Newest first: the events of the latest operation come before the stack's own start event.
      const events = r.StackEvents ?? [];
      const start = events.findIndex(
        (e) =>
          e.LogicalResourceId === name &&
          (e.ResourceStatus === "CREATE_IN_PROGRESS" || e.ResourceStatus === "UPDATE_IN_PROGRESS"),
      );
      const latest = start < 0 ? events : events.slice(0, start);
      return latest
        .filter((e) => e.ResourceStatus?.endsWith("_FAILED") && e.LogicalResourceId !== name)
        .map((e) => ({
          logicalId: e.LogicalResourceId ?? "?",
          type: e.ResourceType ?? "?",
          status: String(e.ResourceStatus),
          reason: e.ResourceStatusReason ?? "no reason given",
        }))
        .reverse();
    },
  };
}
