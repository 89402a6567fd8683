import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterAll, afterEach, beforeEach, describe, vi } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { pgStore } from "../../src/db/pg/store.js";
import { sqliteRepos, sqliteStore, type Dialect, type Store } from "../../src/db/store.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { openTestPostgres } from "./pg.js";
import { makeTempDir, removeTempDirs } from "./tmp.js";

export interface DialectHarness {
  dialect: Dialect;
  store: Store;
  box: SecretBox;
  /** Plain SQL valid in both dialects (no parameters), for what the contract cannot do: age or break a row. */
  query: (sql: string) => Promise<Array<Record<string, unknown>>>;
}

const DIALECTS: Dialect[] = ["sqlite", "postgres"];

/**
 * Declares the same tests once per dialect: `open()` gives a fresh, migrated, empty database of that dialect
 * (a SQLite file; a PostgreSQL database copied from the migrated template), closed after each test. The SQLite
 * side is the synchronous repositories behind wrapSync, exactly as Prism serves them.
 */
export function describeDialects(title: string, body: (open: () => Promise<DialectHarness>) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, () => {
      const closers: Array<() => unknown> = [];
      afterEach(async () => {
        for (const close of closers.splice(0).reverse()) await close();
      });
      afterAll(removeTempDirs);
      body(async () => {
        const box = new SecretBox("contract-tests-master-secret-0123456789");
        if (dialect === "sqlite") {
          const database = openDatabase(join(await makeTempDir("prism-contract-"), "prism.sqlite"));
          closers.push(database.close);
          const query = async (sql: string) => {
            const statement = (database.db as typeof database.db & { $client: Database.Database }).$client.prepare(sql);
            return statement.reader ? (statement.all() as Array<Record<string, unknown>>) : (statement.run(), []);
          };
          return { dialect, box, query, store: sqliteStore(sqliteRepos(database.db, box)) };
        }
        const pg = await openTestPostgres();
        closers.push(pg.close);
        const query = async (sql: string) => (await pg.pool.query(sql)).rows as Array<Record<string, unknown>>;
        return { dialect, box, query, store: pgStore(pg.db, box) };
      });
    });
  }
}

/** The clock a contract test starts from. */
export const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

/**
 * Fakes Date only, set to T0 before each test (move it with vi.setSystemTime): creation order and timestamps
 * are exact in both dialects, and the database drivers' timers run as usual.
 */
export function fakeDate(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());
}
