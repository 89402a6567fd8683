import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openPostgres, type Postgres, type PostgresOptions } from "../../src/db/pg/client.js";
import { databaseUrl } from "./pg-url.js";

/**
 * A fresh PostgreSQL database for one test: a copy of the template test/support/pg-global.ts migrated
 * (CREATE DATABASE … TEMPLATE), so every test starts from the same empty, migrated schema.
 */
export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("pgUrl") });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`));
  return {
    name,
    url: databaseUrl(inject("pgUrl"), name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A migrated database opened as Prism opens it; close() also drops the database. */
export async function openTestPostgres(options: PostgresOptions = {}): Promise<Postgres & { database: TestDatabase }> {
  const database = await createTestDatabase();
  const opened = await openPostgres(database.url, options);
  return {
    ...opened,
    database,
    close: async () => {
      await opened.close();
      await database.drop();
    },
  };
}
