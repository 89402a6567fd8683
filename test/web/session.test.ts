import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";

/** One dashboard login, as the browser would keep it. */
interface Login {
  sessionId: string;
  csrf: string;
  /** The Cookie header the browser sends back. */
  cookie: string;
  setCookies: string[];
}

async function logIn(t: TestPrism, token: string, headers: Record<string, string> = {}): Promise<Login> {
  const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/session`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ token }) });
  expect(res.status).toBe(200);
  const setCookies = res.headers.getSetCookie();
  const value = (name: string) => /^[^=]+=([^;]*)/.exec(setCookies.find((c) => c.startsWith(`${name}=`))!)![1]!;
  const [sessionId, csrf] = [value("prism_session"), value("prism_csrf")];
  return { sessionId, csrf, cookie: `prism_session=${sessionId}; prism_csrf=${csrf}`, setCookies };
}

const call = (t: TestPrism, method: string, path: string, login: Pick<Login, "cookie">, csrf?: string) =>
  fetch(`http://127.0.0.1:${t.prism.httpPort}${path}`, {
    method,
    headers: { cookie: login.cookie, ...(csrf !== undefined && { "x-csrf-token": csrf }), ...(method === "POST" && { "content-type": "application/json" }) },
    ...(method === "POST" && { body: JSON.stringify({ name: "via session" }) }),
  });

const readStreams = (t: TestPrism, login: Login) => call(t, "GET", "/api/v1/streams", login).then((r) => r.status);

function sessionRows(t: TestPrism): Array<Record<string, unknown>> {
  const db = new Database(join(t.dataDir, "prism.sqlite"), { readonly: true });
  try {
    return db.prepare("SELECT * FROM sessions").all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe("dashboard sessions: server-side, hashed, bound CSRF", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("the cookie is a random session id, not the API token, and the database keeps only hashes of both", async () => {
    const login = await logIn(t, t.token);
    expect(login.sessionId).not.toContain(t.token);
    expect(login.sessionId).toMatch(/^psess_[A-Za-z0-9_-]{43}$/);
    expect(login.csrf).not.toBe(login.sessionId);
    expect(await readStreams(t, login)).toBe(200);
    const stored = JSON.stringify(sessionRows(t));
    expect(sessionRows(t).length).toBeGreaterThan(0);
    expect(stored).not.toContain(login.sessionId);
    expect(stored).not.toContain(login.csrf);
    expect(stored).not.toContain(t.token);
    // A Set-Cookie over plain HTTP is not Secure; behind HTTPS (a proxy saying so) it is.
    expect(login.setCookies.join("\n")).not.toMatch(/Secure/i);
    const https = await logIn(t, t.token, { "x-forwarded-proto": "https" });
    for (const c of https.setCookies) expect(c).toMatch(/;\s*Secure/i);
  });

  it("logging out ends the session on the server: the old cookie is refused afterwards", async () => {
    const login = await logIn(t, t.token);
    expect(await readStreams(t, login)).toBe(200);
    expect((await call(t, "DELETE", "/session", login, login.csrf)).status).toBe(204);
    const after = await call(t, "GET", "/api/v1/streams", login);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/session has ended/);
    expect(await (await call(t, "GET", "/session", login)).json()).toEqual({ loggedIn: false });
  });

  it("a CSRF token from another session is refused with 403 (a tossed prism_csrf cookie cannot pair with the victim's session)", async () => {
    const victim = await logIn(t, t.token);
    const attacker = await logIn(t, t.token);
    const tossed = { cookie: `prism_session=${victim.sessionId}; prism_csrf=${attacker.csrf}` };
    const forged = await call(t, "POST", "/api/v1/streams", tossed, attacker.csrf);
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    expect((await call(t, "POST", "/api/v1/streams", victim, "")).status).toBe(403);
    expect((await call(t, "DELETE", "/session", tossed, attacker.csrf)).status).toBe(403);
    // The session's own token goes through.
    const ok = await call(t, "POST", "/api/v1/streams", victim, victim.csrf);
    expect(ok.status).toBe(201);
    await t.api("DELETE", `/api/v1/streams/${((await ok.json()) as { id: string }).id}`);
  });

  it("deleting the token a session logged in with ends that session (and its rows)", async () => {
    const created = await t.api("POST", "/api/v1/tokens", { name: "laptop", scopes: ["write"] });
    const login = await logIn(t, created.body.token);
    expect(await readStreams(t, login)).toBe(200);
    const before = sessionRows(t).length;
    expect((await t.api("DELETE", `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect(sessionRows(t).length).toBe(before - 1);
    expect(await readStreams(t, login)).toBe(401);
  });

  it("one token holds at most 20 sessions: logging in again past that ends the oldest", async () => {
    const created = await t.api("POST", "/api/v1/tokens", { name: "kiosk", scopes: ["read"] });
    const logins: Login[] = [];
    for (let i = 0; i < 22; i++) logins.push(await logIn(t, created.body.token));
    expect(await readStreams(t, logins[0]!)).toBe(401);
    expect(await readStreams(t, logins[1]!)).toBe(401);
    expect(await readStreams(t, logins[2]!)).toBe(200);
    expect(await readStreams(t, logins[21]!)).toBe(200);
    await t.api("DELETE", `/api/v1/tokens/${created.body.id}`);
  });

  it("a session expires: past its expiry the cookie is refused and the row removed", async () => {
    const login = await logIn(t, t.token);
    const count = sessionRows(t).length;
    const db = new Database(join(t.dataDir, "prism.sqlite"));
    try {
      // Every session ends within 7 days; move them all to the past.
      const rows = db.prepare("SELECT created_at, expires_at FROM sessions").all() as Array<{ created_at: number; expires_at: number }>;
      for (const r of rows) expect(r.expires_at - r.created_at).toBe(7 * 24 * 3600 * 1000);
      db.prepare("UPDATE sessions SET expires_at = ?").run(Date.now() - 1);
    } finally {
      db.close();
    }
    expect(await readStreams(t, login)).toBe(401);
    expect(sessionRows(t).length).toBe(count - 1);
  });
});

describe("dashboard sessions of a rotated admin token", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism({ env: { PRISM_API_TOKEN: "" } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("end when the admin token is rotated", async () => {
    const old = readFileSync(join(t.dataDir, "api-token"), "utf8").trim();
    const login = await logIn(t, old);
    expect(await readStreams(t, login)).toBe(200);
    const rotated = await call(t, "POST", "/api/v1/tokens/admin/rotate", login, login.csrf);
    expect(rotated.status).toBe(200);
    expect(await readStreams(t, login)).toBe(401);
    expect(sessionRows(t)).toEqual([]);
    const fresh = await logIn(t, ((await rotated.json()) as { token: string }).token);
    expect(await readStreams(t, fresh)).toBe(200);
  });
});
