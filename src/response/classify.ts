import type { EventCategory } from "./types.js";

// What an API call made with a leaked key says about the attacker. The lists follow the AWS
// playbook for a compromised key: persistence in IAM, compute for mining, data exposure, network
// openings, and turning off the tools that would have seen it. Pure: names in, category out.

const IAM_PERSISTENCE = new Set([
  "CreateUser",
  "CreateAccessKey",
  "CreateLoginProfile",
  "UpdateLoginProfile",
  "CreateRole",
  "UpdateAssumeRolePolicy",
  "CreatePolicy",
  "CreatePolicyVersion",
  "SetDefaultPolicyVersion",
  "AddUserToGroup",
  "CreateGroup",
  "CreateVirtualMFADevice",
  "EnableMFADevice",
  "CreateSAMLProvider",
  "CreateOpenIDConnectProvider",
  "UpdateAccessKey",
  "CreateServiceSpecificCredential",
  "UploadSSHPublicKey",
  "GetFederationToken",
]);

const COMPUTE = new Set([
  "RunInstances",
  // Stop, change the user data, start: the instance runs the attacker's script as root at boot
  // (and hands over its role's credentials). Stopping and starting are how that path begins and ends.
  "StartInstances",
  "StopInstances",
  "CreateFunction",
  "CreateFunction20150331",
  "UpdateFunctionCode",
  "UpdateFunctionCode20150331v2",
  "CreateLaunchTemplate",
  "RequestSpotInstances",
  "RequestSpotFleet",
  "CreateFleet",
  "CreateAutoScalingGroup",
  "RunTask",
  "CreateCluster",
  "CreateStack",
  "ImportKeyPair",
  "CreateKeyPair",
]);

const DATA = new Set([
  "PutBucketPolicy",
  "PutBucketAcl",
  "PutObjectAcl",
  "DeleteBucketPolicy",
  "PutBucketPublicAccessBlock",
  "DeletePublicAccessBlock",
  "DeleteBucketPublicAccessBlock",
  "GetObject",
  "CopyObject",
  "GetSecretValue",
  "GetParameter",
  "GetParameters",
  "ModifySnapshotAttribute",
  "ModifyDBSnapshotAttribute",
  "CreateSnapshot",
  "ModifyImageAttribute",
]);

const NETWORK = new Set([
  "AuthorizeSecurityGroupIngress",
  "AuthorizeSecurityGroupEgress",
  "CreateSecurityGroup",
  "ModifySecurityGroupRules",
  "CreateNetworkAclEntry",
  "ReplaceNetworkAclEntry",
  "CreateRoute",
  "AttachInternetGateway",
  "CreateVpcPeeringConnection",
]);

const DEFENSE_EVASION = new Set([
  "StopLogging",
  "DeleteTrail",
  "UpdateTrail",
  "PutEventSelectors",
  "PutInsightSelectors",
  "DeleteDetector",
  "UpdateDetector",
  "DeleteFlowLogs",
  "DisableSecurityHub",
  "DeleteConfigurationRecorder",
  "StopConfigurationRecorder",
  "DeleteDeliveryChannel",
  "DeleteLogGroup",
  "DeleteLogStream",
  "DisableAlarmActions",
  "DeleteAlarms",
  "DisassociateFromMasterAccount",
  "DeleteMembers",
  "PutBucketLogging",
  "DeactivateMFADevice",
  "LeaveOrganization",
]);

const DISCOVERY_PREFIX = /^(List|Describe|Get)/;
const DISCOVERY_EXACT = new Set([
  "GetCallerIdentity",
  "HeadBucket",
  "LookupEvents",
  "SimulatePrincipalPolicy",
]);

/** IAM policy writes: Attach*Policy and Put*Policy on users, groups and roles. */
const IAM_POLICY_WRITE =
  /^(Attach|Put)(User|Group|Role)Policy$|^PutRolePermissionsBoundary$|^PutUserPermissionsBoundary$/;

/**
 * ModifyInstanceAttribute that replaces an instance's user data (its boot script): CloudTrail logs
 * `userData` (its value removed), or `attribute: "userData"` from `aws ec2 modify-instance-attribute
 * --attribute userData --value ...`.
 */
export function changesUserData(
  eventName: string,
  requestParameters: Record<string, unknown> | null | undefined,
): boolean {
  if (eventName !== "ModifyInstanceAttribute" || !requestParameters) return false;
  return "userData" in requestParameters || requestParameters.attribute === "userData";
}

export function classifyEvent(
  eventName: string,
  eventSource = "",
  requestParameters?: Record<string, unknown> | null,
): EventCategory {
  if (DEFENSE_EVASION.has(eventName)) return "defense-evasion";
  if (changesUserData(eventName, requestParameters)) return "compute";
  if (IAM_PERSISTENCE.has(eventName) || IAM_POLICY_WRITE.test(eventName)) return "iam-persistence";
  if (NETWORK.has(eventName)) return "network";
  if (COMPUTE.has(eventName)) return "compute";
  if (DATA.has(eventName)) return "data";
  if (DISCOVERY_EXACT.has(eventName) || DISCOVERY_PREFIX.test(eventName)) return "discovery";
  // A write to S3 data by the key is data access too (reads are caught above as GetObject).
  if (eventSource === "s3.amazonaws.com" && /^(PutObject|DeleteObject)/.test(eventName)) return "data";
  return "other";
}

export const CATEGORIES: readonly EventCategory[] = [
  "iam-persistence",
  "compute",
  "data",
  "network",
  "defense-evasion",
  "discovery",
  "other",
];

export const CATEGORY_TITLES: Record<EventCategory, string> = {
  "iam-persistence": "IAM persistence",
  compute: "Compute",
  data: "Data access and exposure",
  network: "Network exposure",
  "defense-evasion": "Defence evasion",
  discovery: "Discovery",
  other: "Other",
};
