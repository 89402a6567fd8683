import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end files run real ffmpeg encoders; one file at a time keeps a 2-core machine honest.
    fileParallelism: false,
    testTimeout: 60_000,
    // Lets the hostile-ingest test force a GC before it compares memory with its baseline.
    execArgv: ["--expose-gc"],
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
});
