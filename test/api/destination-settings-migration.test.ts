import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { startTestPrism, type TestPrism } from "../support/prism.js";

const MIGRATIONS = resolve(import.meta.dirname, "../../migrations");
/** The last migration before destination settings got their generic table (0009). */
const OLD_LAST = "0008_chat_modes";
const SECRET = "an-upgrade-test-master-secret-of-enough-length-0123456789";

/** A copy of migrations/ as it was up to OLD_LAST: what an older Prism applied. */
function oldMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), "prism-old-migrations-"));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, "meta/_journal.json"), "utf8")) as { entries: Array<{ tag: string }> };
  const upTo = journal.entries.findIndex((e) => e.tag === OLD_LAST);
  expect(upTo).toBeGreaterThan(0);
  const entries = journal.entries.slice(0, upTo + 1);
  mkdirSync(join(dir, "meta"));
  writeFileSync(join(dir, "meta/_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const { tag } of entries) cpSync(join(MIGRATIONS, `${tag}.sql`), join(dir, `${tag}.sql`));
  return dir;
}

describe("destination settings survive the move to their generic table (migration 0009)", () => {
  let t: TestPrism | undefined;
  afterEach(async () => {
    await t?.stop();
  });

  it("an X destination's chat settings stored by an older Prism are still there after the upgrade, and go with their destination", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "prism-upgrade-"));
    const sqlite = new Database(join(dataDir, "prism.sqlite"));
    sqlite.pragma("foreign_keys = ON");
    migrate(drizzle(sqlite), { migrationsFolder: oldMigrations() });
    const now = Date.now();
    const box = new SecretBox(SECRET);
    sqlite
      .prepare("INSERT INTO streams (id, name, stream_key_hash, stream_key_enc, created_at, updated_at) VALUES ('s1', 'Old stream', ?, ?, ?, ?)")
      .run(box.lookupHash("old-ingest-key"), box.encrypt("old-ingest-key"), now, now);
    const destination = sqlite.prepare(
      "INSERT INTO destinations (id, stream_id, platform, name, url, stream_key_enc, enabled, created_at, updated_at) VALUES (?, 's1', ?, ?, 'rtmps://va.pscp.tv:443/x', ?, 0, ?, ?)",
    );
    for (const [id, name] of [["d-announce", "X announce"], ["d-broadcast", "X broadcast"], ["d-plain", "X plain"]]) destination.run(id, "x", name, box.encrypt(`key-${id}`), now, now);
    const chat = sqlite.prepare("INSERT INTO x_destination_chat (destination_id, post_id, announce_text, broadcast_id, updated_at) VALUES (?, ?, ?, ?, ?)");
    chat.run("d-announce", "1861000000000000001", "Live now: speedrun night!", null, now);
    chat.run("d-broadcast", null, null, "1mGPaZaAdNqJN", now);
    sqlite.close();

    t = await startTestPrism({ dataDir, env: { PRISM_SECRET: SECRET } });
    const shown = async (id: string) => (expectOk(await t!.api("GET", "/api/v1/streams/s1/destinations"), t!.logs).body as Array<{ id: string; x?: unknown }>).find((d) => d.id === id)?.x;
    expect(await shown("d-announce")).toEqual({
      announcementPostId: "1861000000000000001",
      announcementPostUrl: "https://x.com/i/web/status/1861000000000000001",
      announce: { text: "Live now: speedrun night!" },
      broadcastId: null,
    });
    expect(await shown("d-broadcast")).toEqual({ announcementPostId: null, announcementPostUrl: null, announce: null, broadcastId: "1mGPaZaAdNqJN" });
    expect(await shown("d-plain")).toEqual({ announcementPostId: null, announcementPostUrl: null, announce: null, broadcastId: null });

    // Deleting a destination deletes its moved settings (the new table's foreign key cascades).
    expect((await t.api("DELETE", "/api/v1/streams/s1/destinations/d-announce")).status).toBe(204);
    await t.stop();
    t = undefined;

    const after = new Database(join(dataDir, "prism.sqlite"));
    const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    const kept = after.prepare("SELECT destination_id FROM destination_settings ORDER BY destination_id").all() as Array<{ destination_id: string }>;
    after.close();
    expect(tables.map((r) => r.name)).toContain("destination_settings");
    expect(tables.map((r) => r.name)).not.toContain("x_destination_chat");
    expect(kept.map((r) => r.destination_id)).toEqual(["d-broadcast"]);
  });
});

function expectOk<T extends { status: number; body: unknown }>(res: T, logs = () => ""): T {
  if (res.status !== 200) console.error(logs().split("\n").filter((l) => l.includes("err")).slice(-3).join("\n"));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}
