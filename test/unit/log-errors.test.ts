import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";

/** The lines a logger writes, parsed. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: "info", format: "json", destination }), lines: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe("logged errors", () => {
  it("never carry a failed query's parameters, and name the cause a wrapper hides", () => {
    const { log, lines } = capture();
    // What drizzle throws when PostgreSQL refuses an insert: the parameters (stream key hash, encrypted key) in its message and fields.
    const cause = Object.assign(new Error('relation "streams" does not exist'), { code: "42P01" });
    const err = Object.assign(new Error('Failed query: insert into "streams" ("id", "stream_key_hash") values ($1, $2)\nparams: 4f9e,0909e8658fb65cc74b92'), {
      query: 'insert into "streams" ("id", "stream_key_hash") values ($1, $2)',
      params: ["4f9e", "0909e8658fb65cc74b92"],
      cause,
    });
    log.error({ err }, "request failed");
    const [line] = lines();
    const text = JSON.stringify(line);
    expect(text).not.toContain("0909e8658fb65cc74b92");
    expect(line!.err.params).toBeUndefined();
    expect(line!.err.message).toBe('Failed query: insert into "streams" ("id", "stream_key_hash") values ($1, $2)\nparams: [not logged]');
    expect(line!.err.cause).toMatchObject({ message: 'relation "streams" does not exist', code: "42P01" });
  });
});
