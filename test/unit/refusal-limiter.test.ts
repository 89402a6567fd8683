import { describe, expect, it } from "vitest";
import { RefusalLimiter } from "../../src/relay/ingest/refusal-limiter.js";

describe("RefusalLimiter", () => {
  it("blocks an address after too many refusals in the window, for the block time only", () => {
    let now = 0;
    const limiter = new RefusalLimiter(3, 60_000, 10_000, () => now);
    for (let i = 0; i < 3; i++) limiter.refused("10.0.0.1");
    expect(limiter.blockedFor("10.0.0.1")).toBe(0);
    limiter.refused("10.0.0.1");
    expect(limiter.blockedFor("10.0.0.1")).toBe(10_000);
    expect(limiter.blockedFor("10.0.0.2")).toBe(0);
    now += 10_000;
    expect(limiter.blockedFor("10.0.0.1")).toBe(0);
  });

  it("forgets refusals older than the window", () => {
    let now = 0;
    const limiter = new RefusalLimiter(2, 1_000, 5_000, () => now);
    limiter.refused("a");
    limiter.refused("a");
    now += 1_500;
    limiter.refused("a");
    expect(limiter.blockedFor("a")).toBe(0);
  });

  it("remembers a bounded number of addresses", () => {
    const limiter = new RefusalLimiter(0, 60_000, 60_000, () => 0, 100);
    for (let i = 0; i < 1_000; i++) limiter.refused(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.blockedFor("10.0.3.231")).toBe(60_000);
    expect(limiter.blockedFor("10.0.0.1")).toBe(0);
  });
});
