import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/db/open-store.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { createTestDatabase } from "../support/pg.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

const box = new SecretBox("open-store-test-master-secret-0123456789");

describe("openStore picks the dialect from PRISM_DATABASE_URL", () => {
  afterAll(removeTempDirs);

  it("opens the SQLite file in the data dir when no URL is set, with its synchronous repositories", async () => {
    const dataDir = await makeTempDir("prism-open-store-");
    const opened = await openStore({ dataDir, databaseUrl: undefined, box });
    expect(opened.store.dialect).toBe("sqlite");
    expect(existsSync(join(dataDir, "prism.sqlite"))).toBe(true);
    const s = await opened.store.streams.create("On SQLite");
    expect(opened.sqlite!.streams.get(s.id)?.name).toBe("On SQLite");
    await opened.close();
  });

  it("opens PostgreSQL when a URL is set, migrated, and writes nothing to the data dir", async () => {
    const dataDir = await makeTempDir("prism-open-store-");
    const database = await createTestDatabase();
    const opened = await openStore({ dataDir, databaseUrl: database.url, box });
    try {
      expect(opened.store.dialect).toBe("postgres");
      expect(opened.sqlite).toBeUndefined();
      const s = await opened.store.streams.create("On PostgreSQL");
      expect((await opened.store.streams.findByKey(s.streamKey))?.id).toBe(s.id);
      expect(existsSync(join(dataDir, "prism.sqlite"))).toBe(false);
    } finally {
      await opened.close();
      await database.drop();
    }
  });
});
