// What `keywarden deploy responder --apply` calls, for `keywarden permissions deploy`. The stack is
// created by CloudFormation with the caller's permissions (no service role), so the caller needs
// the actions of every resource the template declares, plus the bundle upload.

export const DEPLOY_PERMISSIONS: readonly string[] = [
  // The bundle: --bucket, or a bucket created for it.
  "s3:CreateBucket",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutObject",
  "s3:GetObject",
  // The stack itself.
  "cloudformation:CreateStack",
  "cloudformation:UpdateStack",
  "cloudformation:DescribeStacks",
  "cloudformation:DescribeStackEvents",
  "cloudformation:DescribeStackResources",
  // The function's role and its inline policies.
  "iam:CreateRole",
  "iam:GetRole",
  "iam:PutRolePolicy",
  "iam:GetRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:PassRole",
  "iam:DeleteRole",
  "iam:TagRole",
  // The function, its log group and the permission that lets EventBridge invoke it.
  "lambda:CreateFunction",
  "lambda:GetFunction",
  "lambda:UpdateFunctionCode",
  "lambda:UpdateFunctionConfiguration",
  "lambda:AddPermission",
  "lambda:RemovePermission",
  "lambda:DeleteFunction",
  "logs:CreateLogGroup",
  "logs:PutRetentionPolicy",
  "logs:DescribeLogGroups",
  // The rules.
  "events:PutRule",
  "events:PutTargets",
  "events:DescribeRule",
  "events:RemoveTargets",
  "events:DeleteRule",
  // The dead-letter queue and its policy.
  "sqs:CreateQueue",
  "sqs:GetQueueAttributes",
  "sqs:SetQueueAttributes",
  "sqs:DeleteQueue",
  // The notification topic, unless --sns-topic-arn names one.
  "sns:CreateTopic",
  "sns:GetTopicAttributes",
  "sns:DeleteTopic",
];
