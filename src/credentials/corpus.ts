// Awkward credentials/config files for the round-trip tests. Keys and secrets are AWS's own
// documentation examples; none of them is a credential.
import type { IniKind } from "./ini.js";

export const KEY_A = "AKIAIOSFODNN7EXAMPLE";
export const KEY_B = "AKIAI44QH8DHBEXAMPLE";
export const KEY_NEW = "AKIAJ7EXAMPLEQ2ZZZZZ";
export const SECRET_A = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
export const SECRET_B = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
export const SECRET_NEW = "Zx9+newSECRET/notReal/EXAMPLEEXAMPLE0000";

export interface CorpusFile {
  readonly name: string;
  readonly kind: IniKind;
  readonly text: string;
  /** One value to change: `line` (1-based) is the only line that may differ afterwards. */
  readonly edit?: {
    readonly profile: string;
    readonly key: string;
    readonly value: string;
    readonly line: number;
  };
}

export const CORPUS: readonly CorpusFile[] = [
  {
    name: "plain",
    kind: "credentials",
    text: `[default]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}\n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
  {
    name: "comments with # and ;, blank lines",
    kind: "credentials",
    text: `# my keys\n; managed by hand\n\n[default]\n# the old one\naws_access_key_id = ${KEY_A}\n  ; indented comment\naws_secret_access_key = ${SECRET_A}\n\n\n[work]\naws_access_key_id = ${KEY_B}\naws_secret_access_key = ${SECRET_B}\n# trailing comment\n`,
    edit: { profile: "work", key: "aws_secret_access_key", value: SECRET_NEW, line: 13 },
  },
  {
    name: "CRLF endings",
    kind: "credentials",
    text: `[default]\r\naws_access_key_id = ${KEY_A}\r\naws_secret_access_key = ${SECRET_A}\r\n\r\n[b]\r\naws_access_key_id=${KEY_B}\r\n`,
    edit: { profile: "b", key: "aws_access_key_id", value: KEY_NEW, line: 6 },
  },
  {
    name: "mixed endings",
    kind: "credentials",
    text: `[default]\r\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}\r\n\n[x]\nregion = eu-west-1\r\n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
  {
    name: "no final newline",
    kind: "credentials",
    text: `[default]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}`,
    edit: { profile: "default", key: "aws_secret_access_key", value: SECRET_NEW, line: 3 },
  },
  {
    name: "byte order mark",
    kind: "credentials",
    text: `\ufeff[default]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}\n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
  {
    name: "tabs and odd spacing",
    kind: "credentials",
    text: `[default]\t\naws_access_key_id\t=\t${KEY_A}\t\naws_secret_access_key   =    ${SECRET_A}   \n\t\n[tight]\naws_access_key_id=${KEY_B}\naws_secret_access_key=${SECRET_B}\n`,
    edit: { profile: "default", key: "aws_secret_access_key", value: SECRET_NEW, line: 3 },
  },
  {
    name: "key=value without spaces",
    kind: "credentials",
    text: `[default]\naws_access_key_id=${KEY_A}\naws_secret_access_key=${SECRET_A}\nregion=us-east-1\n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
  {
    name: "config with profile, sso-session, services and nested s3 blocks",
    kind: "config",
    text: [
      "[default]",
      "region = us-east-1",
      "output = json",
      "s3 =",
      "  max_concurrent_requests = 10",
      "  addressing_style = path",
      "",
      "[profile dev]",
      "sso_session = corp",
      "sso_account_id = 111122223333",
      "services = dev-services",
      "",
      "[sso-session corp]",
      "sso_start_url = https://example.awsapps.com/start",
      "sso_region = us-east-1",
      "",
      "[services dev-services]",
      "dynamodb =",
      "    endpoint_url = http://localhost:8000",
      "",
      '[profile "quoted"]',
      "region = eu-central-1",
      "s3 =",
      "\tsignature_version = s3v4",
      "cli_pager=",
      "",
    ].join("\n"),
    edit: { profile: "dev", key: "sso_account_id", value: "444455556666", line: 10 },
  },
  {
    name: "duplicate profiles",
    kind: "credentials",
    text: `[default]\naws_access_key_id = ${KEY_A}\n\n[other]\nregion = us-west-2\n\n[default]\naws_secret_access_key = ${SECRET_A}\n`,
    edit: { profile: "default", key: "aws_secret_access_key", value: SECRET_NEW, line: 8 },
  },
  { name: "empty file", kind: "credentials", text: "" },
  { name: "only comments", kind: "credentials", text: "# nothing here yet\n; really nothing\n\n#" },
  { name: "only blank lines", kind: "config", text: "\n\n   \n\t\n" },
  {
    name: "unicode profile names",
    kind: "credentials",
    text: `[développeur]\naws_access_key_id = ${KEY_A}\n[生产]\naws_access_key_id = ${KEY_B}\n[emoji 🔑]\nregion = ap-northeast-1\n`,
    edit: { profile: "生产", key: "aws_access_key_id", value: KEY_NEW, line: 4 },
  },
  {
    name: "very long values",
    kind: "credentials",
    text: `[default]\naws_access_key_id = ${KEY_A}\naws_session_token = ${"IQoJb3JpZ2luX2VjEXAMPLE/+".repeat(400)}\naws_secret_access_key = ${SECRET_A}\n`,
    edit: { profile: "default", key: "aws_session_token", value: "FwoGZXIvYXdzEXAMPLE".repeat(300), line: 3 },
  },
  {
    name: "values containing = and #",
    kind: "credentials",
    text: `[default]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = abc=def#ghi==\nnote = a # not a comment for the CLI\nurl = https://example.com/?a=b;c=d\n`,
    edit: { profile: "default", key: "aws_secret_access_key", value: SECRET_NEW, line: 3 },
  },
  {
    name: "section headers with comments and spaces",
    kind: "credentials",
    text: `[default] # the main one\naws_access_key_id = ${KEY_A}\n[ spaced ]\naws_access_key_id = ${KEY_B}\n[semi]\t; comment\nregion = eu-west-3\n`,
    edit: { profile: " spaced ", key: "aws_access_key_id", value: KEY_NEW, line: 4 },
  },
  {
    name: "indented keys and continuation lines",
    kind: "credentials",
    text: `[default]\n  aws_access_key_id = ${KEY_A}\n  aws_secret_access_key = ${SECRET_A}\n[multi]\ndescription = first line\n    second line\n\n    third line\nregion = us-east-2\n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
  {
    name: "upper-case keys and colon delimiter",
    kind: "credentials",
    text: `[default]\nAWS_ACCESS_KEY_ID = ${KEY_A}\naws_secret_access_key: ${SECRET_A}\n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
  {
    name: "config with default and profile default, CRLF, no final newline",
    kind: "config",
    text: "[default]\r\noutput = text\r\n\r\n[profile default]\r\nregion = eu-west-1\r\n[plugins]\r\ncli_legacy_plugin_path = /opt/plugins",
    edit: { profile: "default", key: "region", value: "ap-south-1", line: 5 },
  },
  {
    name: "empty values and whitespace-only lines",
    kind: "credentials",
    text: `[default]\naws_access_key_id =\naws_secret_access_key = ${SECRET_A}\n    \nregion =   \n`,
    edit: { profile: "default", key: "aws_access_key_id", value: KEY_NEW, line: 2 },
  },
];
