import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "../../src/core/backoff.js";

describe("backoffDelay", () => {
  const at = (attempt: number, r: number) => backoffDelay(DEFAULT_BACKOFF, attempt, () => r);

  it("starts near half a second, doubles, and never exceeds the cap", () => {
    expect([at(0, 0), at(0, 1)]).toEqual([250, 500]);
    expect([at(1, 0), at(1, 1)]).toEqual([500, 1000]);
    expect([at(5, 0), at(5, 1)]).toEqual([8000, 16000]);
    expect([at(6, 0), at(6, 1)]).toEqual([15000, 30000]);
    expect([at(1000, 0), at(1000, 1)]).toEqual([15000, 30000]);
  });

  it("spreads retries of the same attempt", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(DEFAULT_BACKOFF, 3)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe("backoffDelay jitter kinds", () => {
  it("spreads ± the given share of the step, or not at all", () => {
    const spread = { initialMs: 5_000, maxMs: 3_600_000, jitter: { spread: 0.2 } } as const;
    expect([backoffDelay(spread, 0, () => 0), backoffDelay(spread, 0, () => 1), backoffDelay(spread, 2, () => 0.5)]).toEqual([4_000, 6_000, 20_000]);
    const none = { initialMs: 1_000, maxMs: 30_000, jitter: "none" } as const;
    expect([0, 1, 4, 5, 99].map((a) => backoffDelay(none, a, () => 0.9))).toEqual([1_000, 2_000, 16_000, 30_000, 30_000]);
  });
});
