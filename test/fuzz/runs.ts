/**
 * How hard the fuzz suite tries. `npm test` runs each property a few dozen times so the suite stays
 * fast; `npm run fuzz` sets PRISM_FUZZ_RUNS (and a longer per-test timeout) to run them long.
 */
export function fuzzRuns(quick: number): number {
  const runs = Number(process.env.PRISM_FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : quick;
}

/** Per-test timeout: generous when running long. */
export const FUZZ_TIMEOUT_MS = Number(process.env.PRISM_FUZZ_TIMEOUT_MS) || 60_000;
