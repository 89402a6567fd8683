import { describe, expect, it } from "vitest";
import { IngestClock } from "../../src/relay/ingest/clock.js";

const unwrapAll = (wire: number[]) => {
  const clock = new IngestClock();
  return wire.map((ts) => clock.unwrap(ts));
};

describe("IngestClock", () => {
  it("passes ordinary timestamps through, small steps back included (audio and video interleave)", () => {
    expect(unwrapAll([0, 40, 23, 80, 46, 120])).toEqual([0, 40, 23, 80, 46, 120]);
    expect(unwrapAll([0xfffff0, 0x1000010])).toEqual([0xfffff0, 0x1000010]);
  });

  it("unwraps a spec-following publisher's wrap at 2^32 ms (49.7 days)", () => {
    const before = 2 ** 32 - 30;
    expect(unwrapAll([before, before + 20, 10, 2 ** 32 - 5, 50])).toEqual([before, before + 20, 2 ** 32 + 10, 2 ** 32 - 5, 2 ** 32 + 50]);
  });

  it("unwraps ffmpeg's and OBS's wrap at 2^31 ms (24.8 days): their FLV muxers mask the top bit", () => {
    const before = 2 ** 31 - 30;
    expect(unwrapAll([before, 10, before + 25, 60])).toEqual([before, 2 ** 31 + 10, before + 25, 2 ** 31 + 60]);
  });

  it("crosses 2^31 without wrapping when the publisher uses the full 32 bits", () => {
    expect(unwrapAll([2 ** 31 - 20, 2 ** 31 + 20])).toEqual([2 ** 31 - 20, 2 ** 31 + 20]);
  });

  it("keeps unwrapping over several wraps", () => {
    const clock = new IngestClock();
    let last = 0;
    for (let wire = 0, unwrapped = 0; unwrapped < 3 * 2 ** 32; unwrapped += 2 ** 28, wire = unwrapped % 2 ** 32) {
      last = clock.unwrap(wire);
      expect(last).toBe(unwrapped);
    }
    expect(last).toBeGreaterThan(2 * 2 ** 32);
  });
});
