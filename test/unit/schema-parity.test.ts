import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import { getTableColumns, is, type Column } from "drizzle-orm";
import { getTableConfig as sqliteConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { getTableConfig as pgConfig, PgTable } from "drizzle-orm/pg-core";
import * as sqlite from "../../src/db/schema/index.js";
import * as pg from "../../src/db/schema-pg/index.js";
import { generatePgSchema, TARGET_DIR } from "../../scripts/gen-pg-schema.js";

/** A dialect-free description of a table: what both dialects must agree on. */
function shape(config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>) {
  const colName = (c: unknown) => (c as Column).name;
  return {
    name: config.name,
    columns: config.columns.map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary, unique: c.isUnique, default: c.default })),
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map(colName)),
    uniques: config.uniqueConstraints.map((u) => ({ name: u.name, columns: u.columns.map(colName) })),
    indexes: config.indexes
      .map((i) => ({ name: i.config.name, unique: i.config.unique, columns: i.config.columns.map(colName) }))
      .sort((a, b) => a.name!.localeCompare(b.name!)),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return { name: fk.getName(), columns: ref.columns.map(colName), onDelete: fk.onDelete, foreignColumns: ref.foreignColumns.map(colName) };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

const sqliteTables = Object.entries(sqlite).filter(([, v]) => is(v, SQLiteTable)) as Array<[string, SQLiteTable]>;
const pgTables = Object.entries(pg).filter(([, v]) => is(v, PgTable)) as Array<[string, PgTable]>;

describe("one schema, two dialects (src/db/schema → src/db/schema-pg)", () => {
  it("has the generated PostgreSQL schema committed exactly as the generator writes it now", async () => {
    const expected = await generatePgSchema();
    const committed = new Map(readdirSync(TARGET_DIR).map((f) => [f, readFileSync(join(TARGET_DIR, f), "utf8")]));
    expect([...committed.keys()].sort(), "run `npm run db:generate`").toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) expect(committed.get(file), `src/db/schema-pg/${file} is stale: run \`npm run db:generate\``).toBe(text);
  });

  it("has the same tables under the same export names", () => {
    expect(pgTables.map(([name]) => name).sort()).toEqual(sqliteTables.map(([name]) => name).sort());
    expect(sqliteTables.length).toBeGreaterThan(20);
  });

  it("gives every table the same columns, nullability, keys, uniques, indexes and foreign keys", () => {
    for (const [name, table] of sqliteTables) {
      const twin = pg[name as keyof typeof pg];
      expect(is(twin, PgTable), name).toBe(true);
      expect(shape(pgConfig(twin as PgTable)), name).toEqual(shape(sqliteConfig(table)));
    }
  });

  it("maps integers to bigint (millisecond timestamps), booleans to boolean, JSON to jsonb, reals to double precision", () => {
    const expected: Record<string, string> = {
      SQLiteText: "PgText",
      SQLiteInteger: "PgBigInt53",
      SQLiteBoolean: "PgBoolean",
      SQLiteTextJson: "PgJsonb",
      SQLiteReal: "PgDoublePrecision",
    };
    let checked = 0;
    for (const [name, table] of sqliteTables) {
      const twin = getTableColumns(pg[name as keyof typeof pg] as PgTable);
      for (const [key, column] of Object.entries(getTableColumns(table))) {
        expect(twin[key]?.columnType, `${name}.${key}`).toBe(expected[column.columnType]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(getTableColumns(pg.comments).seq.generatedIdentity?.type).toBe("byDefault");
    expect(getTableColumns(pg.events).seq.generatedIdentity?.type).toBe("byDefault");
  });

  it("reads rows of the same TypeScript type in both dialects", () => {
    // Checked by tsc (npm test runs it): a repository written for one dialect returns the other's rows unchanged.
    expectTypeOf<typeof pg.streams.$inferSelect>().toEqualTypeOf<typeof sqlite.streams.$inferSelect>();
    expectTypeOf<typeof pg.comments.$inferSelect>().toEqualTypeOf<typeof sqlite.comments.$inferSelect>();
    expectTypeOf<typeof pg.events.$inferSelect>().toEqualTypeOf<typeof sqlite.events.$inferSelect>();
    expectTypeOf<typeof pg.webhookSubscriptions.$inferSelect>().toEqualTypeOf<typeof sqlite.webhookSubscriptions.$inferSelect>();
    expectTypeOf<typeof pg.broadcastSessions.$inferSelect>().toEqualTypeOf<typeof sqlite.broadcastSessions.$inferSelect>();
    expectTypeOf<typeof pg.recordings.$inferSelect>().toEqualTypeOf<typeof sqlite.recordings.$inferSelect>();
    expectTypeOf<typeof pg.accounts.$inferSelect>().toEqualTypeOf<typeof sqlite.accounts.$inferSelect>();
  });
});
