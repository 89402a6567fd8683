/**
 * How hard the fuzz suite tries. `npm test` runs each property a few dozen to a few hundred times
 * so the suite stays fast; `npm run fuzz` runs each for PRISM_FUZZ_SECONDS (or PRISM_FUZZ_RUNS
 * times, when that is set instead).
 */
export function fuzzRuns(quick: number): { numRuns: number; interruptAfterTimeLimit?: number; markInterruptAsFailure?: boolean } {
  const runs = Number(process.env.PRISM_FUZZ_RUNS);
  if (Number.isInteger(runs) && runs > 0) return { numRuns: runs };
  const seconds = Number(process.env.PRISM_FUZZ_SECONDS);
  if (seconds > 0) return { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };
  return { numRuns: quick };
}

/** Per-test timeout: the time budget and room for the shrinking of a failure. */
export const FUZZ_TIMEOUT_MS = Math.max(60_000, Number(process.env.PRISM_FUZZ_SECONDS) * 1000 * 3 || 0, Number(process.env.PRISM_FUZZ_TIMEOUT_MS) || 0);
