import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects, one run (one JSON report, which .ci/run counts):
 *  - sqlite: every test, on the embedded SQLite file as a single-node Prism runs;
 *  - postgres: the storage tests that need a real PostgreSQL (test/store: the contract tests run the same
 *    assertions on SQLite and PostgreSQL), and the API suites again with every test Prism on its own PostgreSQL
 *    database (PRISM_TEST_DATABASE=postgres, test/support/prism.ts). Its globalSetup starts a server (or uses
 *    PRISM_TEST_PG_URL), and runs only when a test of the project is queued, so a run of SQLite tests alone needs
 *    no PostgreSQL.
 */

/**
 * Feature suites that touch storage, so run on PostgreSQL too: their test Prisms get a database each
 * (test/support/prism.ts), and what they read or build under the API goes through test/support/db.ts, which opens
 * the project's dialect. The other webhooks files (destination-events, embedded-ipv4, url-policy) store nothing.
 */
const ON_POSTGRES_TOO = [
  "test/comments/{api-answers,feed,four-platforms,linked-account,live,moderation}.test.ts",
  "test/schedule/*.test.ts",
  "test/recordings/*.test.ts",
  "test/webhooks/{event-log,event-publisher,live-stream,webhooks-api}.test.ts",
  "test/oauth/{accounts-api,facebook-account,kick-account,token-refresh}.test.ts",
  "test/unit/{comments-recent-keys,destination-settings-repo}.test.ts",
];

/** Suites of the API that stay SQLite-only, and why. */
const SQLITE_ONLY = [
  // Migrates an old prism.sqlite by hand and checks the upgrade Prism makes to that file.
  "test/api/destination-settings-migration.test.ts",
];
/**
 * Suites that need a PostgreSQL server and run in the postgres project only: several Prisms or workers on one
 * shared database (two cluster nodes, the cluster's API router, the webhook outbox claim, the refresh lock, two schedulers), or a
 * Prism on a server of its own that the test stops and starts.
 */
const POSTGRES_ONLY = [
  "test/cluster/service.test.ts",
  "test/cluster/session-takeover.test.ts",
  "test/cluster/chat.test.ts",
  "test/cluster/http-router.test.ts",
  "test/cluster/three-nodes.test.ts",
  "test/api/store-down.test.ts",
  "test/webhooks/outbox-claim.test.ts",
  "test/oauth/refresh-lock.test.ts",
  "test/schedule/two-schedulers.test.ts",
];

export default defineConfig({
  test: {
    // End-to-end files run real ffmpeg encoders; one file at a time keeps a 2-core machine honest.
    fileParallelism: false,
    testTimeout: 60_000,
    // Lets the hostile-ingest test force a GC before it compares memory with its baseline.
    execArgv: ["--expose-gc"],
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    projects: [
      {
        extends: true,
        test: { name: "sqlite", sequence: { groupOrder: 0 }, include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, "test/store/**", ...POSTGRES_ONLY] },
      },
      {
        extends: true,
        // Its own group (sequence.groupOrder): never run beside the sqlite project, so still one file at a time.
        test: {
          name: "postgres",
          include: ["test/store/**/*.test.ts", "test/api/**/*.test.ts", ...ON_POSTGRES_TOO, ...POSTGRES_ONLY],
          exclude: [...configDefaults.exclude, ...SQLITE_ONLY],
          env: { PRISM_TEST_DATABASE: "postgres" },
          globalSetup: ["test/support/pg-global.ts"],
          setupFiles: ["test/support/pg-prism-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
