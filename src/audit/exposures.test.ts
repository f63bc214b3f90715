import { describe, expect, it } from "vitest";
import type { StoredRecord } from "../store/types.js";
import { exposuresFrom } from "./exposures.js";

const rec = (kind: string, subject: string | null, data: Record<string, unknown> = {}): StoredRecord => ({
  kind,
  id: `${kind}-1`,
  subject,
  createdAt: "2026-12-01T00:00:00.000Z",
  updatedAt: "2026-12-01T00:00:00.000Z",
  data,
});

describe("exposuresFrom", () => {
  it("marks keys named by an incident or found by a scan", () => {
    const m = exposuresFrom(
      [rec("incident", "AKIAAAAAAAAAAAAAAAAA")],
      [
        rec("scan-result", "/repo", {
          findings: [
            { accessKeyId: "AKIAAAAAAAAAAAAAAAAA" },
            { accessKeyId: "AKIABBBBBBBBBBBBBBBB" },
            { accessKeyId: null },
          ],
        }),
        rec("scan-result", "/other", { findings: "not a list" }),
      ],
    );
    expect(Object.fromEntries(m)).toEqual({
      AKIAAAAAAAAAAAAAAAAA: { incident: true, foundInCode: true },
      AKIABBBBBBBBBBBBBBBB: { foundInCode: true },
    });
  });
});
