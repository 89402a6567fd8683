import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects, one run (one JSON report, which .ci/run counts):
 *  - sqlite: every test, on the embedded SQLite file as a single-node Prism runs;
 *  - postgres: the storage tests that need a real PostgreSQL (test/store: the contract tests run the same
 *    assertions on SQLite and PostgreSQL). Its globalSetup starts a server (or uses PRISM_TEST_PG_URL), and runs
 *    only when a test of the project is queued, so a run of SQLite tests alone needs no PostgreSQL.
 */
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
        test: { name: "sqlite", sequence: { groupOrder: 0 }, include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, "test/store/**"] },
      },
      {
        extends: true,
        // Its own group (sequence.groupOrder): never run beside the sqlite project, so still one file at a time.
        test: { name: "postgres", include: ["test/store/**/*.test.ts"], globalSetup: ["test/support/pg-global.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
