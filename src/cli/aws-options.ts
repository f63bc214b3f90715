import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { parseIntFlag } from "./errors.js";

/** The options every AWS-touching verb takes, named as the AWS CLI names them. */
export function withAwsOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  return cmd
    .option(
      "--profile <name>",
      "AWS profile to use (default: environment keys, then AWS_PROFILE, then default)",
    )
    .option(
      "--region <region>",
      "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1)",
    )
    .option(
      "--endpoint-url <url>",
      "send AWS calls to this endpoint, e.g. a local emulator (else AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section or endpoint_url)",
    )
    .option(
      "--max-attempts <n>",
      "attempts per AWS call with adaptive retry",
      parseIntFlag("--max-attempts", 1, 20),
    );
}
