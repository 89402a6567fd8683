import { describe, expect, it } from "vitest";
import { kbps, RateMeter } from "../../src/relay/rate.js";

describe("RateMeter", () => {
  it("averages over the completed seconds of its window and forgets old ones", () => {
    let now = 10_000;
    const meter = new RateMeter(5, () => now);
    for (let s = 0; s < 5; s++) {
      meter.add(1000, 25);
      now += 1000;
    }
    expect(meter.perSecond()).toEqual({ bytes: 1000, count: 25 });
    now += 10_000; // silence: everything ages out
    expect(meter.perSecond()).toEqual({ bytes: 0, count: 0 });
    expect(kbps(125_000)).toBe(1000);
  });
});
