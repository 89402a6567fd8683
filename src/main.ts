#!/usr/bin/env node
import { runCli } from "./cli/program.js";

// Thin on purpose: every command, `start` included, lives in src/cli/.
runCli(process.argv).catch((err: unknown) => {
  process.stderr.write(`Prism failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
