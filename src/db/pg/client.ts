import { fileURLToPath } from "node:url";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { Pool } from "pg";
import type { Logger } from "../../log.js";
import * as schema from "../schema-pg/index.js";

export type PgDb = NodePgDatabase<typeof schema>;

// migrations-pg/ sits at the package root, three levels above both src/db/pg and dist/db/pg.
const MIGRATIONS = fileURLToPath(new URL("../../../migrations-pg", import.meta.url));

/** The session-level advisory lock the migrating node holds ("prism" in ASCII): the others wait for it. */
export const MIGRATION_LOCK = 0x70726973_6d;

export interface PostgresOptions {
  /** Where a lost connection is reported; it is never fatal (the pool opens a new one on the next query). */
  log?: Logger;
  /** Longest a statement may run before the server cancels it (a query stuck on a lock fails clearly). */
  statementTimeoutMs?: number;
  /** Longest connecting may take (a server that is down fails fast rather than hanging a request). */
  connectTimeoutMs?: number;
  /** Longest a migrating node waits for another node's migration to finish. */
  migrationLockTimeoutMs?: number;
  /** Connections in the pool. */
  max?: number;
}

export interface Postgres {
  db: PgDb;
  pool: Pool;
  close: () => Promise<void>;
}

/** Where the URL points, for messages: host, port and database, never the user's password. */
export function describeDatabase(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.hostname}:${u.port || "5432"}${u.pathname}`;
}

/** int8 read as a JavaScript number: counts, sequences and millisecond timestamps, all far below 2^53. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`PostgreSQL returned the int8 ${value}, beyond what a JavaScript number holds exactly`);
  return n;
}

/**
 * Opens a pool on PRISM_DATABASE_URL and brings the schema up to date (migrations-pg/). pg and drizzle's
 * node-postgres driver are imported here, on first use: a SQLite Prism never loads them.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Postgres> {
  const { default: pg } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  // drizzle's driver asks pg's global parsers for every type it does not handle itself, so int8 is set there.
  pg.types.setTypeParser(pg.types.builtins.INT8, parseInt8);
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 5_000;
  await migrate(pg, url, connectionTimeoutMillis, options.migrationLockTimeoutMs ?? 60_000);
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    // The client-side bound: a server that froze (no answers, connection still open) never cancels a statement
    // itself, and a request would wait forever; this fails it (then mapped to 503 store_unavailable).
    query_timeout: (options.statementTimeoutMs ?? 15_000) + 5_000,
    idle_in_transaction_session_timeout: 60_000,
    max: options.max ?? 10,
    application_name: "prism",
  });
  // An idle connection the server dropped (restart, failover, a killed backend) is reported here; without a
  // listener node would treat it as an unhandled error and exit. The pool replaces it on the next query.
  pool.on("error", (err) => options.log?.warn({ err: err.message }, `${describeDatabase(url)}: an idle connection was lost; the next query opens a new one`));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** Applies migrations-pg/ on one connection holding MIGRATION_LOCK, so nodes starting together take turns. */
async function migrate(pg: typeof import("pg").default, url: string, connectionTimeoutMillis: number, lockTimeoutMs: number): Promise<void> {
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate: runMigrations } = await import("drizzle-orm/node-postgres/migrator");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis, lock_timeout: lockTimeoutMs, application_name: "prism-migrate" });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`Cannot connect to ${describeDatabase(url)} (${(err as Error).message || (err as { code?: string }).code}): check PRISM_DATABASE_URL and that the server is running`, { cause: err });
  }
  // A server that goes away mid-migration is an error of the query in flight; this keeps it from also crashing.
  client.on("error", () => {});
  try {
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    } catch (err) {
      throw new Error(`${describeDatabase(url)}: another Prism has been migrating the schema for over ${lockTimeoutMs} ms (${(err as Error).message})`, { cause: err });
    }
    await runMigrations(drizzle(client), { migrationsFolder: MIGRATIONS });
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  } finally {
    await client.end().catch(() => {});
  }
}
