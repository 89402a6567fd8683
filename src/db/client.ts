import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { fileURLToPath } from "node:url";
import * as schema from "./schema/index.js";

export type Db = BetterSQLite3Database<typeof schema>;

// migrations/ sits at the package root, two levels above both src/db and dist/db.
const MIGRATIONS = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Opens (or creates) the SQLite file and brings its schema up to date. */
export function openDatabase(file: string): { db: Db; close: () => void } {
  const sqlite = new Database(file);
  // WAL: API reads never wait for the relay's writes; foreign keys: deleting a stream deletes its destinations.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return { db, close: () => sqlite.close() };
}
