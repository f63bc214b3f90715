// The environment variable names the deployed function is given and its handler reads, in a module
// of their own so the handler's bundle can import them without the template builder.

export const RESPONDER_ENV = {
  store: "KEYWARDEN_STORE",
  storeSecretArn: "KEYWARDEN_STORE_SECRET_ARN",
  config: "KEYWARDEN_CONFIG_JSON",
  orgRoleName: "KEYWARDEN_ORG_ROLE_NAME",
  externalId: "KEYWARDEN_EXTERNAL_ID",
  snsTopicArn: "KEYWARDEN_SNS_TOPIC_ARN",
  regions: "KEYWARDEN_REGIONS",
} as const;
