// The shapes of names AWS accepts, checked before any call so a typo is a usage error, not an AWS
// error halfway through a run. Shared by the verbs that take them (audit --org, deploy).

/** An IAM role name, with an optional path (`team/Role`), as AssumeRole's ARN takes it. */
export const ROLE_NAME = /^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** What sts:AssumeRole takes as ExternalId. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
