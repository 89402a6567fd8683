#!/usr/bin/env -S node --max-semi-space-size=2 --v8-pool-size=1
// The line above is how every Prism runs (scripts/node-flags.mjs reads it; `npm start`, the Dockerfile
// and the benchmarks use the same flags, test/unit/node-flags.test.ts checks). V8's young generation
// grows to two 16 MiB semi-spaces by default, all of it resident once frames flow; 2 MiB ones keep
// ~28 MiB of RSS off a relaying Prism, and the more frequent scavenges also free the frames' Buffers
// sooner. V8's default four helper threads (GC, compiling) each grow a malloc arena of their own once
// frames flow; on a heap this small one helper does the same work and keeps ~7 MiB off (see README,
// Benchmarks).
import { runCli } from "./cli/program.js";

// Thin on purpose: every command, `start` included, lives in src/cli/.
runCli(process.argv).catch((err: unknown) => {
  process.stderr.write(`Prism failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
