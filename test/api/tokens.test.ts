import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { withPrismDatabase } from "../support/db.js";

describe("API tokens and scopes", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism();
  });
  afterAll(async () => {
    await t.stop();
  });

  const createToken = async (name: string, scopes: string[]) => {
    const res = await t.api("POST", "/api/v1/tokens", { name, scopes });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; name: string; scopes: string[]; hint: string; token: string };
  };

  it("creates a named token shown once, lists it without the token and stores only a hash", async () => {
    const created = await createToken("grafana", ["read"]);
    expect(created.token).toMatch(/^prism_[A-Za-z0-9_-]{32}$/);
    expect(created).toMatchObject({ name: "grafana", scopes: ["read"], hint: created.token.slice(-4) });

    const list = await t.api("GET", "/api/v1/tokens");
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual(expect.objectContaining({ id: created.id, name: "grafana", scopes: ["read"], hint: created.token.slice(-4) }));
    expect(list.text).not.toContain(created.token);

    const works = await t.api("GET", "/api/v1/streams", undefined, { token: created.token });
    expect(works.status).toBe(200);

    // The database holds a keyed hash, never the token or a plain hash of it.
    await withPrismDatabase(t.dataDir, async (db) => {
      const rows = await db.query(`SELECT * FROM api_tokens WHERE id = '${created.id.replaceAll("'", "''")}'`);
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(created.token);
      expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await db.storedText()).not.toContain(created.token);
    });
  });

  it("checks the scope every route needs: GET read, changes write, tokens admin", async () => {
    const read = await createToken("reader", ["read"]);
    const write = await createToken("writer", ["write"]);
    const admin = await createToken("second admin", ["admin"]);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Scoped" });

    const cases: Array<[string, string, unknown, string, number]> = [
      ["GET", "/api/v1/streams", undefined, read.token, 200],
      ["GET", `/api/v1/streams/${stream.id}/health`, undefined, read.token, 200],
      ["POST", "/api/v1/streams", { name: "nope" }, read.token, 403],
      ["PATCH", `/api/v1/streams/${stream.id}`, { name: "nope" }, read.token, 403],
      ["POST", `/api/v1/streams/${stream.id}/reveal-key`, undefined, read.token, 403],
      ["GET", "/api/v1/tokens", undefined, read.token, 403],
      ["GET", "/api/v1/streams", undefined, write.token, 200],
      ["PATCH", `/api/v1/streams/${stream.id}`, { name: "Renamed by writer" }, write.token, 200],
      ["GET", "/api/v1/tokens", undefined, write.token, 403],
      ["POST", "/api/v1/tokens", { name: "x", scopes: ["read"] }, write.token, 403],
      ["GET", "/api/v1/tokens", undefined, admin.token, 200],
      ["DELETE", `/api/v1/streams/${stream.id}`, undefined, admin.token, 204],
    ];
    for (const [method, path, body, token, status] of cases) {
      const res = await t.api(method, path, body, { token });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
      if (status === 403) {
        expect(res.body.error.code).toBe("forbidden");
        expect(res.body.error.message).toMatch(/needs (write|admin)/);
        expect(res.body.error.message).not.toContain(token);
      }
    }
  });

  it("refuses a deleted token at once, and duplicate names or unknown scopes with clear messages", async () => {
    const temp = await createToken("temporary", ["read"]);
    expect((await t.api("DELETE", `/api/v1/tokens/${temp.id}`)).status).toBe(204);
    const after = await t.api("GET", "/api/v1/streams", undefined, { token: temp.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/not valid/);
    expect((await t.api("DELETE", `/api/v1/tokens/${temp.id}`)).status).toBe(404);

    await createToken("unique", ["read"]);
    const dup = await t.api("POST", "/api/v1/tokens", { name: "unique", scopes: ["write"] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toMatch(/already exists/);

    const bad = await t.api("POST", "/api/v1/tokens", { name: "bad", scopes: ["root"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/scopes\.0: .*read.*write.*admin/);
    const none = await t.api("POST", "/api/v1/tokens", { name: "none", scopes: [] });
    expect(none.body.error.message).toMatch(/scopes: give at least one/);
  });

  it("will not rotate an admin token that comes from PRISM_API_TOKEN, and says why", async () => {
    const res = await t.api("POST", "/api/v1/tokens/admin/rotate");
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "admin_token_from_env" });
    expect(res.body.error.message).toMatch(/PRISM_API_TOKEN/);
    expect((await t.api("GET", "/api/v1/streams")).status).toBe(200);
  });

  it("serves the OpenAPI document without a token and lets /api/v1/actions/* past the Bearer check", async () => {
    expect((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).status).toBe(200);
    for (const path of ["/api/v1/actions/some-action-token", "/api/v1/actions"]) {
      const res = await t.api("POST", path, {}, { token: null });
      // Whatever the action endpoints answer, it is not the Bearer middleware's 401.
      expect(res.headers.get("www-authenticate"), path).toBeNull();
      expect(res.body?.error?.code, path).not.toBe("unauthorized");
    }
  });
});

describe("the admin token from the data dir", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_API_TOKEN: "" } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("is rotated: the old one stops working, the new one works and replaces the file", async () => {
    const file = join(t.dataDir, "api-token");
    const old = readFileSync(file, "utf8").trim();
    expect(old).toBe(t.prism.adminToken.value);
    expect((await t.api("GET", "/api/v1/streams", undefined, { token: old })).status).toBe(200);

    const rotated = await t.api("POST", "/api/v1/tokens/admin/rotate", undefined, { token: old });
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.body.token;
    expect(fresh).toMatch(/^prism_/);
    expect(fresh).not.toBe(old);
    expect(readFileSync(file, "utf8").trim()).toBe(fresh);

    expect((await t.api("GET", "/api/v1/streams", undefined, { token: old })).status).toBe(401);
    expect((await t.api("GET", "/api/v1/tokens", undefined, { token: fresh })).status).toBe(200);
  });
});

describe("rate limit per token", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_API_RATE_LIMIT: "5" } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("answers 429 with Retry-After once a token's budget is spent, and only for that token", async () => {
    const other = await t.api("POST", "/api/v1/tokens", { name: "other", scopes: ["read"] }); // 1 of the admin's 5
    expect(other.status).toBe(201);
    for (let i = 2; i <= 5; i++) {
      const ok = await t.api("GET", "/api/v1/streams");
      expect(ok.status, `request ${i}`).toBe(200);
      expect(ok.headers.get("ratelimit")).toMatch(new RegExp(`limit=5, remaining=${5 - i}`));
    }
    const limited = await t.api("GET", "/api/v1/streams");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(limited.body.error.message).toMatch(/Try again in \d+ s/);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.error.details.retryAfterSeconds).toBe(retryAfter);

    expect((await t.api("GET", "/api/v1/streams", undefined, { token: other.body.token })).status).toBe(200);
  });
});
