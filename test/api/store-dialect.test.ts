import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTestPrism } from "../support/prism.js";

// Guards the "postgres" project (vitest.config.ts): its API suites must really run on PostgreSQL, not on a
// prism.sqlite quietly made in the data dir.
describe("the store a test Prism runs on", () => {
  it("is PostgreSQL in the postgres project and SQLite otherwise, and keeps what the API wrote across a restart", async () => {
    const onPostgres = process.env.PRISM_TEST_DATABASE === "postgres";
    let t = await startTestPrism();
    const created = await t.api("POST", "/api/v1/streams", { name: "Where am I stored" });
    expect(created.status).toBe(201);
    await t.stop();
    expect(existsSync(join(t.dataDir, "prism.sqlite"))).toBe(!onPostgres);
    t = await startTestPrism({ dataDir: t.dataDir });
    const listed = await t.api("GET", "/api/v1/streams");
    await t.stop();
    expect(listed.body.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  });
});
