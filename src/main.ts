#!/usr/bin/env -S node --max-semi-space-size=2 --v8-pool-size=1
// The line above is how every Prism runs (scripts/node-flags.mjs reads it; `npm start`, the Dockerfile
// and the benchmarks use the same flags, test/unit/node-flags.test.ts checks). V8's young generation
// grows to two 16 MiB semi-spaces by default, all of it resident once frames flow; 2 MiB ones keep
// ~28 MiB of RSS off a relaying Prism, and the more frequent scavenges also free the frames' Buffers
// sooner. One V8 helper thread (GC, compiling) instead of four: on two cores the four competed with the
// main thread whenever the GC ran (health p99 at 16 streams x 4 fell from ~10 to ~6 ms without them), and
// a relaying Prism keeps ~7 MiB less resident; a heap this small needs no more (see README, Benchmarks).
import { runCli } from "./cli/program.js";

// Thin on purpose: every command, `start` included, lives in src/cli/.
runCli(process.argv).catch((err: unknown) => {
  process.stderr.write(`Prism failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
