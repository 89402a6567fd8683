import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import * as schema from "../../src/db/schema-pg/index.js";
import { openPostgres, type Postgres } from "../../src/db/pg/client.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, openTestPostgres, type TestDatabase } from "../support/pg.js";
import { databaseUrl } from "../support/pg-url.js";
import { freePort } from "../support/ports.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An empty database (no template: nothing migrated yet). */
async function emptyDatabase(): Promise<TestDatabase> {
  const name = `e_${Math.random().toString(16).slice(2, 12)}`;
  const admin = new pg.Client({ connectionString: inject("pgUrl") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const database = { name, url: databaseUrl(inject("pgUrl"), name), drop: async () => {} };
  database.drop = async () => {
    const c = new pg.Client({ connectionString: inject("pgUrl") });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  cleanups.push(database.drop);
  return database;
}

async function opened(p: Promise<Postgres>): Promise<Postgres> {
  const handle = await p;
  cleanups.push(handle.close);
  return handle;
}

const tables = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable => is(v, PgTable));
const journal = JSON.parse(readFileSync(new URL("../../migrations-pg/meta/_journal.json", import.meta.url), "utf8")) as { entries: unknown[] };

describe("PostgreSQL client (real PostgreSQL)", () => {
  it("migrates to exactly the generated schema: every table, column type, nullability, index, unique and foreign key", async () => {
    const { pool } = await opened(openTestPostgres());
    const expectedType: Record<string, string> = { PgText: "text", PgBigInt53: "bigint", PgBoolean: "boolean", PgJsonb: "jsonb", PgDoublePrecision: "double precision" };
    for (const table of tables) {
      const config = getTableConfig(table);
      const { rows } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        [config.name],
      );
      expect(rows.map((r) => [r.column_name, r.data_type, r.is_nullable === "NO"]), config.name).toEqual(
        config.columns.map((c) => [c.name, expectedType[c.columnType], c.notNull]),
      );
      const indexes = await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1", [config.name]);
      const names = indexes.rows.map((r) => r.indexname);
      for (const index of config.indexes) expect(names, config.name).toContain(index.config.name);
      // Foreign keys with their ON DELETE (c: cascade, a: no action), and unique constraints, by name.
      const constraints = await pool.query<{ conname: string; contype: string; confdeltype: string }>(
        "SELECT conname, contype, confdeltype FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('f', 'u') ORDER BY conname",
        [config.name],
      );
      const expectedConstraints = [
        ...config.foreignKeys.map((fk) => ({ conname: fk.getName(), contype: "f", confdeltype: fk.onDelete === "cascade" ? "c" : "a" })),
        ...config.columns.filter((c) => c.isUnique).map((c) => ({ conname: c.uniqueName!, contype: "u", confdeltype: " " })),
      ].sort((a, b) => (a.conname < b.conname ? -1 : 1));
      expect(constraints.rows, config.name).toEqual(expectedConstraints);
    }
    const { rows } = await pool.query<{ n: number }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
    expect(rows[0]!.n).toBe(tables.length);
  });

  it("lets three nodes starting at once migrate one empty database without racing", async () => {
    const database = await emptyDatabase();
    const nodes = await Promise.all([0, 1, 2].map(() => opened(openPostgres(database.url))));
    const { rows } = await nodes[0]!.pool.query<{ n: number }>("SELECT count(*) AS n FROM drizzle.__drizzle_migrations");
    expect(rows[0]!.n).toBe(journal.entries.length);
    for (const node of nodes) expect((await node.pool.query("SELECT count(*) AS n FROM streams")).rows[0]).toEqual({ n: 0 });
  });

  it("reads int8 as a JavaScript number (counts, sequences, millisecond timestamps)", async () => {
    const { pool } = await opened(openTestPostgres());
    const { rows } = await pool.query("SELECT 9007199254740991::int8 AS biggest, 1796544748873::int8 AS ms, count(*) AS n FROM streams");
    expect(rows[0]).toEqual({ biggest: Number.MAX_SAFE_INTEGER, ms: 1796544748873, n: 0 });
    await expect(pool.query("SELECT 9007199254740993::int8 AS too_big")).rejects.toThrow(/beyond what a JavaScript number holds/);
  });

  it("fails fast and clearly when the server is not there, naming host, port and database but never the password", async () => {
    const port = await freePort();
    const error = await openPostgres(`postgres://prism:pw-do-not-show@127.0.0.1:${port}/prism`, { connectTimeoutMs: 2_000 }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`Cannot connect to PostgreSQL at 127.0.0.1:${port}/prism`);
    expect((error as Error).message).toContain("PRISM_DATABASE_URL");
    expect((error as Error).message).not.toContain("pw-do-not-show");
  });

  it("names a database that does not exist", async () => {
    const error = await openPostgres(databaseUrl(inject("pgUrl"), "no_such_database_here")).catch((err: Error) => err);
    expect((error as Error).message).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/no_such_database_here .*does not exist/);
  });

  it("cancels a statement that runs past statement_timeout", async () => {
    const { pool } = await opened(openTestPostgres({ statementTimeoutMs: 200 }));
    await expect(pool.query("SELECT pg_sleep(5)")).rejects.toThrow(/statement timeout/);
    expect((await pool.query("SELECT 1 AS one")).rows[0]).toEqual({ one: 1 });
  });

  it("logs an idle connection the server dropped, does not crash, and answers the next query on a new one", async () => {
    const lines: string[] = [];
    let logged!: () => void;
    const seen = new Promise<void>((resolve) => (logged = resolve));
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        logged();
        done();
      },
    });
    const db = await opened(openTestPostgres({ log: createLogger({ level: "warn", format: "json", destination }) }));
    const { rows } = await db.pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const admin = new pg.Client({ connectionString: inject("pgUrl") });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
    await admin.end();
    await seen;
    expect(lines.join("")).toMatch(/an idle connection was lost; the next query opens a new one/);
    const again = await db.pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    expect(again.rows[0]!.pid).not.toBe(rows[0]!.pid);
  });

  it("gives each test its own database, copied from the migrated template", async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    cleanups.push(a.drop, b.drop);
    expect(a.name).not.toBe(b.name);
    const first = await opened(openPostgres(a.url));
    const second = await opened(openPostgres(b.url));
    await first.pool.query("INSERT INTO media (id, name, file_name, size_bytes, duration_sec, container, video, created_at) VALUES ('m1', 'n', 'f', 1, 1.5, 'mp4', 'h264', 1)");
    expect((await first.pool.query("SELECT count(*) AS n FROM media")).rows[0]).toEqual({ n: 1 });
    expect((await second.pool.query("SELECT count(*) AS n FROM media")).rows[0]).toEqual({ n: 0 });
  });
});
