import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openDatabase } from "../../src/db/client.js";
import { sqliteRepos, sqliteStore, type Dialect, type Store } from "../../src/db/store.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { testDatabaseEnv } from "./prism.js";
import { makeTempDir } from "./tmp.js";

/**
 * Storage seen the same way on both dialects, for tests that look under the API: the store a test builds its own
 * parts on (openTestStore), and the database a test Prism runs on (prismDatabase). The dialect is the vitest
 * project's: PostgreSQL in the `postgres` project (PRISM_TEST_DATABASE=postgres), the SQLite file otherwise.
 * PostgreSQL's client is imported only on that side, so a SQLite run never loads pg.
 */
export const testDialect: Dialect = process.env.PRISM_TEST_DATABASE === "postgres" ? "postgres" : "sqlite";

/** Plain SQL valid in both dialects (no parameters): what the store's contract cannot do, such as age or break a row. */
export type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

export interface OpenedStore {
  dialect: Dialect;
  store: Store;
  box: SecretBox;
  query: Query;
  close: () => Promise<void>;
}

/**
 * A fresh, migrated, empty database of `dialect` behind the Store contract: a SQLite file (its synchronous
 * repositories behind wrapSync, as Prism serves them) or a PostgreSQL database copied from the migrated template.
 */
export async function openStore(dialect: Dialect, box = new SecretBox("contract-tests-master-secret-0123456789")): Promise<OpenedStore> {
  if (dialect === "sqlite") {
    const database = openDatabase(join(await makeTempDir("prism-store-"), "prism.sqlite"));
    const client = (database.db as typeof database.db & { $client: Database.Database }).$client;
    return { dialect, box, query: sqliteQuery(client), store: sqliteStore(sqliteRepos(database.db, box)), close: async () => database.close() };
  }
  const [{ openTestPostgres }, { pgStore }] = await Promise.all([import("./pg.js"), import("../../src/db/pg/store.js")]);
  const pg = await openTestPostgres();
  const query: Query = async (sql) => (await pg.pool.query(sql)).rows as Array<Record<string, unknown>>;
  return { dialect, box, query, store: pgStore(pg.db, box), close: pg.close };
}

/** A fresh store of this project's dialect (see openStore); close it when the test ends. */
export function openTestStore(box?: SecretBox): Promise<OpenedStore> {
  return openStore(testDialect, box);
}

function sqliteQuery(client: Database.Database): Query {
  return async (sql) => {
    const statement = client.prepare(sql);
    return statement.reader ? (statement.all() as Array<Record<string, unknown>>) : (statement.run(), []);
  };
}

export interface PrismDatabase {
  query: Query;
  /**
   * Everything stored, as text, for "no secret at rest" checks: the SQLite file and its write-ahead log byte for byte
   * (latin1), or on PostgreSQL every row of every table (the server's files are not the test's to read).
   */
  storedText: () => Promise<string>;
  close: () => Promise<void>;
}

/** The database the test Prism of `dataDir` runs on (it may be running), opened beside it. */
export async function prismDatabase(dataDir: string): Promise<PrismDatabase> {
  if (testDialect === "sqlite") {
    const file = join(dataDir, "prism.sqlite");
    const client = new Database(file, { fileMustExist: true });
    client.pragma("busy_timeout = 5000");
    const storedText = async () => {
      const parts = await Promise.all([file, `${file}-wal`].map((f) => readFile(f).catch(() => Buffer.alloc(0))));
      return Buffer.concat(parts).toString("latin1");
    };
    return { query: sqliteQuery(client), storedText, close: async () => void client.close() };
  }
  const { PRISM_DATABASE_URL: url } = await testDatabaseEnv(dataDir);
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const query: Query = async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>;
  const storedText = async () => {
    const tables = await query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    const dumps = await Promise.all(tables.map(({ table_name }) => query(`SELECT string_agg(t::text, E'\\n') AS rows FROM "${String(table_name)}" t`)));
    return dumps.map(([row]) => String(row?.rows ?? "")).join("\n");
  };
  return { query, storedText, close: () => client.end() };
}

/** Runs `work` on the test Prism's database and closes it again. */
export async function withPrismDatabase<T>(dataDir: string, work: (db: PrismDatabase) => Promise<T>): Promise<T> {
  const db = await prismDatabase(dataDir);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
