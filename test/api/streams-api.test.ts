import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { makeTempDir } from "../support/tmp.js";
import { withPrismDatabase } from "../support/db.js";

describe("streams and destinations API", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("refuses requests without the right token with a JSON 401", async () => {
    for (const token of [null, "wrong-token"]) {
      const res = await t.api("GET", "/api/v1/streams", undefined, { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
      expect(res.body.error.message).toMatch(/token/i);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("creates a stream with an OBS ingest URL and a key shown once, then masked", async () => {
    const created = await t.api("POST", "/api/v1/streams", { name: "Main" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Main", live: false, ingestUrl: `rtmp://127.0.0.1:${t.prism.rtmpPort}/live` });
    const key: string = created.body.streamKey;
    expect(key).toMatch(/^live_[A-Za-z0-9_-]{32}$/);

    const got = await t.api("GET", `/api/v1/streams/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.streamKey).toBe(`••••••••${key.slice(-4)}`);
    const list = await t.api("GET", "/api/v1/streams");
    expect(list.body.map((s: { id: string }) => s.id)).toContain(created.body.id);
    expect(list.text).not.toContain(key);

    const revealed = await t.api("POST", `/api/v1/streams/${created.body.id}/reveal-key`);
    expect(revealed.body).toEqual({ streamKey: key, backupStreamKey: created.body.backupStreamKey });
  });

  it("gives every stream a separate backup key, masked after creation and rotated on its own", async () => {
    const { body: s } = await t.api("POST", "/api/v1/streams", { name: "With backup" });
    expect(s.backupStreamKey).toMatch(/^live_[A-Za-z0-9_-]{32}$/);
    expect(s.backupStreamKey).not.toBe(s.streamKey);
    const got = await t.api("GET", `/api/v1/streams/${s.id}`);
    expect(got.body.backupStreamKey).toBe(`••••••••${s.backupStreamKey.slice(-4)}`);
    expect(got.text).not.toContain(s.backupStreamKey);

    const rotated = await t.api("POST", `/api/v1/streams/${s.id}/rotate-key`, { which: "backup" });
    expect(rotated.status).toBe(200);
    expect(rotated.body.streamKey).toBe(s.streamKey);
    expect(rotated.body.backupStreamKey).toMatch(/^live_/);
    expect(rotated.body.backupStreamKey).not.toBe(s.backupStreamKey);

    const primary = await t.api("POST", `/api/v1/streams/${s.id}/rotate-key`, { which: "primary" });
    expect(primary.body.backupStreamKey).toBe(rotated.body.backupStreamKey);
    expect(primary.body.streamKey).not.toBe(s.streamKey);

    const bad = await t.api("POST", `/api/v1/streams/${s.id}/rotate-key`, { which: "both" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/which: must be "primary" or "backup"/);
  });

  it("gives streams created before backup keys existed a backup key at start", async () => {
    const dataDir = await makeTempDir("prism-backup-key-");
    const first = await startTestPrism({ dataDir });
    const { body: s } = await first.api("POST", "/api/v1/streams", { name: "Old" });
    await first.stop();
    await withPrismDatabase(dataDir, (db) => db.query("UPDATE streams SET backup_stream_key_hash = NULL, backup_stream_key_enc = NULL"));

    const again = await startTestPrism({ dataDir });
    try {
      const revealed = await again.api("POST", `/api/v1/streams/${s.id}/reveal-key`);
      expect(revealed.body.streamKey).toBe(s.streamKey);
      expect(revealed.body.backupStreamKey).toMatch(/^live_[A-Za-z0-9_-]{32}$/);
      expect(revealed.body.backupStreamKey).not.toBe(s.backupStreamKey);
    } finally {
      await again.stop();
    }
  });

  it("rotates a key, renames and deletes a stream", async () => {
    const { body: s } = await t.api("POST", "/api/v1/streams", { name: "To rotate" });
    const rotated = await t.api("POST", `/api/v1/streams/${s.id}/rotate-key`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.streamKey).toMatch(/^live_/);
    expect(rotated.body.streamKey).not.toBe(s.streamKey);

    const renamed = await t.api("PATCH", `/api/v1/streams/${s.id}`, { name: "Renamed" });
    expect(renamed.body.name).toBe("Renamed");

    expect((await t.api("DELETE", `/api/v1/streams/${s.id}`)).status).toBe(204);
    const gone = await t.api("GET", `/api/v1/streams/${s.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toEqual({ code: "not_found", message: "Stream not found." });
  });

  it("validates input with messages that name the field", async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ["POST", "/api/v1/streams", {}, /name/],
      ["POST", "/api/v1/streams", { name: "" }, /name: must not be empty/],
      ["POST", "/api/v1/streams", { name: "x".repeat(101) }, /name: must be at most 100/],
      ["POST", "/api/v1/streams", { name: 42 }, /name/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await t.api(method, path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.message).toMatch(message);
    }
    const malformed = await t.api("POST", "/api/v1/streams", "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/JSON/);
    const noType = await t.api("POST", "/api/v1/streams", "name=x", { headers: { "content-type": "text/plain" } });
    expect(noType.status).toBe(415);
    expect(noType.body.error.message).toMatch(/application\/json/);
  });

  it("adds, lists, changes and removes destinations, never returning their keys", async () => {
    const { body: s } = await t.api("POST", "/api/v1/streams", { name: "With destinations" });
    const base = `/api/v1/streams/${s.id}/destinations`;
    const secretKey = "dest-secret-key-123456";
    const created = await t.api("POST", base, { platform: "custom", name: "Twitch", url: "rtmp://live.twitch.tv/app/", streamKey: secretKey });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ platform: "custom", name: "Twitch", url: "rtmp://live.twitch.tv/app", enabled: true, streamId: s.id });
    expect(created.text).not.toContain(secretKey);

    const list = await t.api("GET", base);
    expect(list.body).toHaveLength(1);
    expect(list.text).not.toContain(secretKey);

    const disabled = await t.api("PATCH", `${base}/${created.body.id}`, { enabled: false });
    expect(disabled.body.enabled).toBe(false);
    const health = await t.api("GET", `/api/v1/streams/${s.id}/health`);
    expect(health.body).toMatchObject({ live: false, ingest: null, destinations: [{ id: created.body.id, state: "stopped", enabled: false }] });

    expect((await t.api("DELETE", `${base}/${created.body.id}`)).status).toBe(204);
    expect((await t.api("GET", `${base}/${created.body.id}`)).status).toBe(404);
  });

  it("refuses bad destinations with a reason a person can act on", async () => {
    const { body: s } = await t.api("POST", "/api/v1/streams", { name: "Bad destinations" });
    const base = `/api/v1/streams/${s.id}/destinations`;
    const cases: Array<[unknown, RegExp]> = [
      [{ name: "x", url: "http://example.com/app", streamKey: "k" }, /Only rtmp:\/\/ and rtmps:\/\//],
      [{ name: "x", url: "rtmp://example.com", streamKey: "k" }, /application path/],
      [{ name: "x", url: "rtmp://u:p@example.com/app", streamKey: "k" }, /credentials/],
      [{ name: "x", url: "rtmp://example.com/app", streamKey: "has space" }, /stream key must not contain spaces/],
      [{ name: "x", url: "rtmp://example.com/app" }, /streamKey/],
      [{ name: "x", url: "rtmp://example.com/app", streamKey: "k", platform: "myspace" }, /platform/],
      [{ name: "x", url: "rtmp://example.com/app", streamKey: "k", enabled: "yes" }, /enabled/],
    ];
    for (const [body, message] of cases) {
      const res = await t.api("POST", base, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const patch = await t.api("PATCH", `${base}/nope`, {});
    expect(patch.status).toBe(400);
    const missing = await t.api("POST", `/api/v1/streams/does-not-exist/destinations`, { name: "x", url: "rtmp://h/app", streamKey: "k" });
    expect(missing.status).toBe(404);
    expect((await t.api("GET", "/api/v1/nothing-here")).body.error.code).toBe("not_found");
  });
});
