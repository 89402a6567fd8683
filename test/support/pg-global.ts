import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openPostgres } from "../../src/db/pg/client.js";
import { databaseUrl } from "./pg-url.js";

/**
 * globalSetup of the `postgres` project (vitest.config.ts): a real PostgreSQL for the storage tests. Uses
 * PRISM_TEST_PG_URL when set (.ci/run starts one server for both of its suites); otherwise starts a throwaway
 * cluster with scripts/test-postgres.sh and stops it at the end. A machine without PostgreSQL, where apt-get
 * cannot install it either, fails the run here with the script's message: the PostgreSQL tests never skip.
 *
 * It migrates one template database; each test database is a copy of it (test/support/pg.ts), ~30 ms instead of
 * a migration per test.
 */
const script = fileURLToPath(new URL("../../scripts/test-postgres.sh", import.meta.url));

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
    pgTemplate: string;
  }
}

function run(args: string[]): string {
  try {
    return execFileSync("bash", [script, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  } catch (err) {
    throw new Error(`The PostgreSQL tests need a server and scripts/test-postgres.sh ${args[0]} failed (its message is above): ${(err as Error).message}`);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.PRISM_TEST_PG_URL?.trim();
  const url = given || run(["start"]).split("\n").pop()!;
  const template = `prism_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`Cannot connect to the test PostgreSQL (${given ? "PRISM_TEST_PG_URL" : "started by scripts/test-postgres.sh"}): ${(err as Error).message}`);
  }
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const migrated = await openPostgres(databaseUrl(url, template));
  await migrated.close();
  project.provide("pgUrl", url);
  project.provide("pgTemplate", template);
  return async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await client.end();
    if (!given) run(["stop", url]);
  };
}
