import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { testDialect, withPrismDatabase } from "../support/db.js";

/** Every error, whatever layer produced it, has the one shape and a message a person can act on. */
function expectErrorShape(res: { status: number; body: any; text: string; headers: Headers }, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.message.length).toBeGreaterThan(10);
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe("one error shape everywhere", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_API_MAX_BODY_KB: "4" } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("404 for an unknown route, pointing at the docs", async () => {
    const res = await t.api("GET", "/api/v1/no-such-thing");
    expectErrorShape(res, 404, "not_found");
    expect(res.body.error.message).toMatch(/\/docs/);
    expectErrorShape(await t.api("GET", "/nowhere", undefined, { token: null }), 404, "not_found");
  });

  it("405 with Allow for a known path and the wrong method", async () => {
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Methods" });
    const cases: Array<[string, string, string]> = [
      ["DELETE", "/api/v1/streams", "GET, HEAD, POST"],
      ["PUT", `/api/v1/streams/${stream.id}`, "DELETE, GET, HEAD, PATCH"],
      ["GET", `/api/v1/streams/${stream.id}/rotate-key`, "POST"],
      ["POST", "/metrics", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await t.api(method, path, method === "PUT" ? { name: "x" } : undefined);
      expectErrorShape(res, 405, "method_not_allowed");
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(res.body.error.message).toContain(allow);
    }
  });

  it("413 for a body over the limit, declared or streamed", async () => {
    const big = JSON.stringify({ name: "x".repeat(5000) });
    expectErrorShape(await t.api("POST", "/api/v1/streams", big), 413, "payload_too_large");
    // Chunked, with no Content-Length to trust: the limit is enforced on the bytes read.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1000)));
        controller.close();
      },
    });
    const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/streams`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    const text = await res.text();
    expectErrorShape({ status: res.status, body: JSON.parse(text), text, headers: res.headers }, 413, "payload_too_large");
  });

  it("415 for a body that is not JSON; 400 for JSON that does not parse", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await t.api("POST", "/api/v1/streams", "name=x", { headers: { "content-type": type } });
      expectErrorShape(res, 415, "unsupported_media_type");
      expect(res.body.error.message).toMatch(/Content-Type: application\/json/);
    }
    expectErrorShape(await t.api("POST", "/api/v1/streams", "{nope"), 400, "bad_request");
    expect((await t.api("POST", "/api/v1/streams", { name: "typed" }, { headers: { "content-type": "application/json; charset=utf-8" } })).status).toBe(201);
  });

  it("401 and 403 in the same shape", async () => {
    expectErrorShape(await t.api("GET", "/api/v1/streams", undefined, { token: null }), 401, "unauthorized");
    const { body: reader } = await t.api("POST", "/api/v1/tokens", { name: "reader", scopes: ["read"] });
    expectErrorShape(await t.api("POST", "/api/v1/streams", { name: "x" }, { token: reader.token }), 403, "forbidden");
  });

  it("500 without a stack trace or internal detail when Prism itself fails", async () => {
    // A real fault: the streams table disappears under the running service.
    await withPrismDatabase(t.dataDir, async (db) => {
      await db.query("ALTER TABLE streams RENAME TO streams_gone");
      try {
        const res = await t.api("GET", "/api/v1/streams");
        expectErrorShape(res, 500, "internal_error");
        expect(res.text).not.toMatch(/sqlite|postgres|streams|SELECT/i);
        // The log has what the database said, for the operator.
        expect(t.logs()).toMatch(testDialect === "sqlite" ? /no such table: streams/ : /relation \\"streams\\" does not exist/);
      } finally {
        await db.query("ALTER TABLE streams_gone RENAME TO streams");
      }
    });
    expect((await t.api("GET", "/api/v1/streams")).status).toBe(200);
  });
});
