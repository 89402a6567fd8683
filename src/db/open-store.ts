import { join } from "node:path";
import type { Logger } from "../log.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { openDatabase } from "./client.js";
import { sqliteRepos, sqliteStore, type SqliteRepos, type Store } from "./store.js";

export interface OpenedStore {
  store: Store;
  /** The synchronous repositories under a SQLite store, for the few paths that must not wait; absent on PostgreSQL. */
  sqlite: SqliteRepos | undefined;
  close: () => Promise<void>;
  /** A trivial query (health checks): rejects while the database cannot be reached. */
  ping: () => Promise<void>;
}

export interface StoreOptions {
  /** Where prism.sqlite lives when there is no databaseUrl. */
  dataDir: string;
  /** PRISM_DATABASE_URL (validated by config.ts): PostgreSQL when set. */
  databaseUrl: string | undefined;
  box: SecretBox;
  log?: Logger;
}

/**
 * The store Prism runs on: SQLite in the data dir, as always, or PostgreSQL when PRISM_DATABASE_URL is set. The
 * PostgreSQL modules are imported only then, so a SQLite Prism never loads pg (test/unit/lazy-modules.test.ts).
 */
export async function openStore(options: StoreOptions): Promise<OpenedStore> {
  if (options.databaseUrl === undefined) {
    const database = openDatabase(join(options.dataDir, "prism.sqlite"));
    const repos = sqliteRepos(database.db, options.box);
    return { store: sqliteStore(repos), sqlite: repos, close: async () => database.close(), ping: async () => {} };
  }
  const { openPostgres } = await import("./pg/client.js");
  const { pgStore } = await import("./pg/store.js");
  const pg = await openPostgres(options.databaseUrl, options.log ? { log: options.log } : {});
  return { store: pgStore(pg.db, options.box), sqlite: undefined, close: pg.close, ping: async () => void (await pg.pool.query("SELECT 1")) };
}
