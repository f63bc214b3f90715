import { describe, expect, it } from "vitest";
import { batchParser } from "./git.js";

// What `git cat-file --batch` prints: "<sha> <type> <size>\n<contents>\n" per object, or
// "<name> missing\n". The parser must give the same objects however the pipe cuts the stream.
const objects: { sha: string; data: Buffer | null }[] = [
  { sha: "a".repeat(40), data: Buffer.from("first blob\nwith two lines") },
  { sha: "b".repeat(40), data: Buffer.alloc(0) },
  { sha: "c".repeat(40), data: null }, // missing
  { sha: "d".repeat(40), data: Buffer.from("x".repeat(300)) }, // over maxBytes below
  { sha: "e".repeat(40), data: Buffer.from("last\n\nblob, ending in a newline\n") },
];
const stream = Buffer.concat(
  objects.map(({ sha, data }) =>
    data === null
      ? Buffer.from(`${sha} missing\n`)
      : Buffer.concat([Buffer.from(`${sha} blob ${data.length}\n`), data, Buffer.from("\n")]),
  ),
);

function parse(chunks: Buffer[], maxBytes: number): { sha: string; data: string | null }[] {
  const out: { sha: string; data: string | null }[] = [];
  const feed = batchParser(maxBytes, (sha, data) =>
    out.push({ sha, data: data?.toString("latin1") ?? null }),
  );
  for (const c of chunks) feed(c);
  return out;
}

describe("batchParser", () => {
  const expected = objects.map(({ sha, data }) => ({
    sha,
    data: data === null || data.length > 100 ? null : data.toString("latin1"),
  }));

  it("reads every object from one chunk, skipping missing and oversized ones", () => {
    expect(parse([stream], 100)).toEqual(expected);
  });

  it("gives the same objects wherever the stream is cut in two or three", () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parse([stream.subarray(0, i), stream.subarray(i)], 100)).toEqual(expected);
      const j = Math.min(stream.length, i + 7);
      expect(parse([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)], 100)).toEqual(
        expected,
      );
    }
  });

  it("survives a stream fed one byte at a time", () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(parse(bytes, 100)).toEqual(expected);
    expect(parse(bytes, Number.POSITIVE_INFINITY)[3]?.data).toBe("x".repeat(300));
  });
});
