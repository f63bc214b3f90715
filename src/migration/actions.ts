// CloudTrail event -> the IAM action a policy must allow. Most events are named like their action
// (eventSource `ec2.amazonaws.com`, eventName `RunInstances` -> `ec2:RunInstances`), but not all:
// - the service prefix is not always the endpoint's name (monitoring -> cloudwatch, email -> ses);
// - some APIs are authorized by another action (S3's ListObjectsV2 by s3:ListBucket, HeadObject by
//   s3:GetObject, multipart uploads by s3:PutObject; Lambda's Invoke by lambda:InvokeFunction);
// - some events carry an API version suffix (Lambda's CreateFunction20150331);
// - some need no permission at all (sts:GetCallerIdentity), or none a role can hold
//   (sts:GetSessionToken, console sign-in).
// A mapping keywarden is not sure of is marked `certain: false` with a note, never passed off.
// Sources: the Service Authorization Reference (actions, resources and condition keys per
// service) and the S3 "required permissions for S3 API operations" table.

/** eventSource host -> IAM service prefix where the two differ. */
const PREFIX_BY_SOURCE: Record<string, string> = {
  "monitoring.amazonaws.com": "cloudwatch",
  "email.amazonaws.com": "ses",
  "tagging.amazonaws.com": "tag",
  "api.ecr.amazonaws.com": "ecr",
  "elasticmapreduce.amazonaws.com": "elasticmapreduce",
  "es.amazonaws.com": "es",
  "sso.amazonaws.com": "sso",
  "apigateway.amazonaws.com": "apigateway",
  "execute-api.amazonaws.com": "execute-api",
  "signin.amazonaws.com": "signin",
};

/** Services whose events are named like their IAM actions (checked against the reference). */
const KNOWN_SERVICES = new Set([
  "acm",
  "athena",
  "autoscaling",
  "cloudformation",
  "cloudfront",
  "cloudtrail",
  "cloudwatch",
  "codebuild",
  "codecommit",
  "codedeploy",
  "codepipeline",
  "dynamodb",
  "ec2",
  "ecr",
  "ecs",
  "eks",
  "elasticloadbalancing",
  "events",
  "firehose",
  "glue",
  "iam",
  "kinesis",
  "kms",
  "lambda",
  "logs",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "ses",
  "sns",
  "sqs",
  "ssm",
  "states",
  "sts",
  "sso",
  "organizations",
  "elasticfilesystem",
  "elasticache",
  "redshift",
  "sagemaker",
  "guardduty",
  "securityhub",
  "config",
  "backup",
  "batch",
  "cognito-idp",
  "appsync",
  "bedrock",
  "scheduler",
]);

/** S3 APIs authorized by another action (the S3 user guide's required-permissions table). */
const S3_ACTIONS: Record<string, string> = {
  ListObjects: "s3:ListBucket",
  ListObjectsV2: "s3:ListBucket",
  HeadBucket: "s3:ListBucket",
  ListObjectVersions: "s3:ListBucketVersions",
  ListBuckets: "s3:ListAllMyBuckets",
  HeadObject: "s3:GetObject",
  SelectObjectContent: "s3:GetObject",
  GetObjectAttributes: "s3:GetObjectAttributes",
  CreateMultipartUpload: "s3:PutObject",
  UploadPart: "s3:PutObject",
  UploadPartCopy: "s3:PutObject",
  CompleteMultipartUpload: "s3:PutObject",
  ListMultipartUploads: "s3:ListBucketMultipartUploads",
  ListParts: "s3:ListMultipartUploadParts",
  DeleteObjects: "s3:DeleteObject",
  CopyObject: "s3:PutObject",
};

/** Events that name no action a policy grants. */
const NO_PERMISSION: Record<string, string> = {
  "sts:GetCallerIdentity": "sts:GetCallerIdentity needs no permission",
  "signin:ConsoleLogin": "console sign-in is not an API action",
  "signin:CheckMfa": "console sign-in is not an API action",
};

export interface MappedAction {
  /** null: nothing to grant (see `note`). */
  actions: string[];
  certain: boolean;
  note?: string;
}

export function servicePrefix(eventSource: string): { prefix: string; known: boolean } {
  const mapped = PREFIX_BY_SOURCE[eventSource];
  if (mapped) return { prefix: mapped, known: true };
  const prefix = eventSource.replace(/\.amazonaws\.com$/, "").split(".")[0] ?? eventSource;
  return { prefix, known: KNOWN_SERVICES.has(prefix) };
}

/** The IAM action(s) that authorize one CloudTrail event. */
export function actionsOf(eventSource: string, eventName: string): MappedAction {
  const { prefix, known } = servicePrefix(eventSource);
  // Lambda's CloudTrail names carry the API version: CreateFunction20150331, GetFunction20150331v2.
  const name = prefix === "lambda" ? eventName.replace(/\d{8}(v\d+)?$/, "") : eventName;
  const plain = `${prefix}:${name}`;
  const none = NO_PERMISSION[plain];
  if (none) return { actions: [], certain: true, note: none };
  if (plain === "sts:GetSessionToken") {
    return {
      actions: [],
      certain: true,
      note: "sts:GetSessionToken is for IAM users only: a role's credentials are already temporary",
    };
  }
  if (prefix === "s3") {
    const mapped = S3_ACTIONS[name];
    if (name === "CopyObject") {
      return {
        actions: ["s3:GetObject", "s3:PutObject"],
        certain: true,
        note: "CopyObject reads the source (s3:GetObject) and writes the target (s3:PutObject)",
      };
    }
    if (mapped) return { actions: [mapped], certain: true, note: `${name} is authorized by ${mapped}` };
    return { actions: [plain], certain: true };
  }
  if (prefix === "lambda" && name === "Invoke") {
    return {
      actions: ["lambda:InvokeFunction"],
      certain: true,
      note: "Invoke is authorized by lambda:InvokeFunction",
    };
  }
  if (prefix === "apigateway") {
    return {
      actions: [`apigateway:${httpVerbOf(name)}`],
      certain: false,
      note: `API Gateway's management actions are HTTP verbs on resource paths; ${name} guessed as ${httpVerbOf(name)}, check the resource path`,
    };
  }
  if (!known) {
    return {
      actions: [plain],
      certain: false,
      note: `${eventSource} is not in keywarden's table of services named like their actions: check ${plain} in the Service Authorization Reference`,
    };
  }
  return { actions: [plain], certain: true };
}

function httpVerbOf(eventName: string): string {
  if (/^(Get|List|Describe)/.test(eventName)) return "GET";
  if (/^(Delete|Remove)/.test(eventName)) return "DELETE";
  if (/^(Update|Put|Patch)/.test(eventName)) return "PATCH";
  return "POST";
}

type Rec = Record<string, unknown>;
/** A usable id: a redacted value ("[redacted]") names nothing. */
const str = (v: unknown): string | null =>
  typeof v === "string" && v !== "" && !v.includes("[redacted]") ? v : null;

/**
 * Resource ARNs an event names, from its `resources` list and the request parameters of the
 * services whose ARNs can be built from them. Empty: the policy grants the action on "*".
 */
export function resourcesOf(
  action: string,
  event: { resources: string[]; requestParameters: Rec | null; region: string },
  account: { accountId: string; partition: string },
): string[] {
  const p = event.requestParameters ?? {};
  const { accountId, partition } = account;
  const region = event.region;
  const service = action.split(":")[0];
  if (service === "s3") {
    const bucket = str(p.bucketName);
    if (!bucket) return event.resources.filter((r) => r.startsWith(`arn:${partition}:s3:::`));
    // Object actions on the bucket's objects: keys change from run to run, so the bucket's
    // objects (bucket/*) rather than the keys seen; bucket actions on the bucket itself.
    const bucketLevel =
      /^s3:(ListBucket|ListBucketVersions|ListBucketMultipartUploads|GetBucket|PutBucket|DeleteBucket|GetLifecycle|PutLifecycle|GetEncryption|PutEncryption)/;
    if (action === "s3:ListAllMyBuckets") return [];
    return [
      bucketLevel.test(action) ? `arn:${partition}:s3:::${bucket}` : `arn:${partition}:s3:::${bucket}/*`,
    ];
  }
  const arnish = event.resources.filter((r) => r.startsWith("arn:"));
  if (arnish.length > 0) return arnish;
  const id = (k: string) => str(p[k]);
  switch (service) {
    case "secretsmanager": {
      const s = id("secretId");
      if (!s) return [];
      // A name: the ARN ends in a random 6-character suffix AWS adds.
      return [
        s.startsWith("arn:")
          ? s
          : `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${s}-??????`,
      ];
    }
    case "ssm": {
      const n = id("name");
      if (!n) return [];
      return [
        n.startsWith("arn:")
          ? n
          : `arn:${partition}:ssm:${region}:${accountId}:parameter/${n.replace(/^\//, "")}`,
      ];
    }
    case "dynamodb": {
      const t = id("tableName");
      return t ? [`arn:${partition}:dynamodb:${region}:${accountId}:table/${t}`] : [];
    }
    case "sqs": {
      const url = id("queueUrl");
      const name = url?.split("/").pop();
      return name ? [`arn:${partition}:sqs:${region}:${accountId}:${name}`] : [];
    }
    case "sns": {
      const t = id("topicArn");
      return t ? [t] : [];
    }
    case "lambda": {
      const f = id("functionName");
      if (!f) return [];
      return [f.startsWith("arn:") ? f : `arn:${partition}:lambda:${region}:${accountId}:function:${f}`];
    }
    case "ecr": {
      const r = id("repositoryName");
      return r ? [`arn:${partition}:ecr:${region}:${accountId}:repository/${r}`] : [];
    }
    case "kms": {
      const k = id("keyId");
      return k?.startsWith("arn:") ? [k] : [];
    }
    case "sts": {
      const r = id("roleArn");
      return r ? [r] : [];
    }
    default:
      return [];
  }
}
