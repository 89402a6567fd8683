import { Writable } from "node:stream";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.js";
import { startPrism, type Prism } from "../../src/service.js";

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface TestPrism {
  prism: Prism;
  dataDir: string;
  token: string;
  /** Every log line written so far (JSON, one per line, at trace level). */
  logs(): string;
  /** Every API exchange made through `api`, for secret-leak checks. */
  responses(): Array<{ method: string; path: string; text: string }>;
  api<T = any>(method: string, path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** rtmp://127.0.0.1:<port>/live/<key> */
  publishUrl(streamKey: string): string;
  stop(): Promise<void>;
}

/**
 * The "postgres" vitest project sets PRISM_TEST_DATABASE=postgres: each test Prism then runs on its own fresh
 * PostgreSQL database (a copy of the migrated template), kept per data dir so a test that restarts a Prism on the
 * same data dir finds its data again, and dropped when the test file ends (test/support/pg-prism-setup.ts).
 */
const pgDatabases = new Map<string, { url: string; drop: () => Promise<void> }>();

/** PRISM_DATABASE_URL of the data dir's test database in the postgres project (also for a Prism a test spawns); {} otherwise. */
export async function testDatabaseEnv(dataDir: string, env?: Record<string, string>): Promise<Record<string, string>> {
  if (process.env.PRISM_TEST_DATABASE !== "postgres" || env?.PRISM_DATABASE_URL !== undefined) return {};
  let database = pgDatabases.get(dataDir);
  if (!database) {
    // Imported only here: a SQLite test run never loads pg.
    const { createTestDatabase } = await import("./pg.js");
    database = await createTestDatabase();
    pgDatabases.set(dataDir, database);
  }
  return { PRISM_DATABASE_URL: database.url };
}

/** Drops the PostgreSQL databases of this file's test Prisms (their Prisms are stopped by then). */
export async function dropTestPrismDatabases(): Promise<void> {
  const databases = [...pgDatabases.values()];
  pgDatabases.clear();
  await Promise.all(databases.map((d) => d.drop()));
}

export const TEST_TOKEN = "test-admin-token-0123456789abcdef";

/**
 * The test receivers listen on 127.0.0.1, which the production default (public,private) refuses:
 * tests allow loopback explicitly. A test of the default overrides this with its own env.
 */
export const TEST_DESTINATION_ALLOW = "public,private,loopback";

/** The real service, in this process, on free loopback ports, logging everything into memory. */
export async function startTestPrism(
  options: {
    dataDir?: string;
    env?: Record<string, string>;
    chat?: NonNullable<Parameters<typeof startPrism>[1]>["chat"];
    /** A stand-in for the recordings disk's free space, and how often it is read. */
    recordings?: NonNullable<Parameters<typeof startPrism>[1]>["recordings"];
  } = {},
): Promise<TestPrism> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "prism-test-"));
  const lines: string[] = [];
  const exchanges: Array<{ method: string; path: string; text: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    PRISM_HOST: "127.0.0.1",
    PRISM_RTMP_PORT: "0",
    PRISM_HTTP_PORT: "0",
    PRISM_DATA_DIR: dataDir,
    PRISM_API_TOKEN: TEST_TOKEN,
    PRISM_LOG_LEVEL: "trace",
    PRISM_LOG_FORMAT: "json",
    PRISM_OUTPUT_CONNECT_TIMEOUT_MS: "3000",
    PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
    ...(await testDatabaseEnv(dataDir, options.env)),
    ...options.env,
  });
  const prism = await startPrism(config, { logDestination: sink, ...(options.chat && { chat: options.chat }), ...(options.recordings && { recordings: options.recordings }) });
  const base = `http://127.0.0.1:${prism.httpPort}`;

  return {
    prism,
    dataDir,
    token: TEST_TOKEN,
    logs: () => lines.join(""),
    responses: () => [...exchanges],
    publishUrl: (key) => `rtmp://127.0.0.1:${prism.rtmpPort}/live/${key}`,
    stop: () => prism.stop(),
    async api(method, path, body, opts = {}) {
      const answer = await callApi(base, opts.token === undefined ? TEST_TOKEN : opts.token, method, path, body, opts.headers);
      exchanges.push({ method, path, text: answer.text });
      return answer;
    },
  };
}

/** One API request to the Prism at `base` (JSON unless `body` is a string), with its answer parsed when it is JSON. */
export async function callApi(base: string, token: string | null, method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as any, text, headers: res.headers };
}

/** Polls until `check` returns a truthy value, or fails with the last value seen. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 50, what = "condition" } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
