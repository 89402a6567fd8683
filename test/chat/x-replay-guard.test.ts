import { describe, expect, it } from "vitest";
import { REPLAY_MEMORY, ReplayGuard } from "../../src/destinations/x/webhook.js";

const body = (n: number) => new TextEncoder().encode(JSON.stringify({ data: { event_type: "broadcast.chat", n } }));

describe("the X webhook's replay memory", () => {
  it("takes a body once, refuses it after, and stays bounded by forgetting the oldest first", () => {
    const guard = new ReplayGuard(3);
    expect([1, 2, 3].map((n) => guard.firstTime(body(n)))).toEqual([true, true, true]);
    expect([1, 2, 3].map((n) => guard.firstTime(body(n)))).toEqual([false, false, false]);
    expect(guard.firstTime(body(4))).toBe(true);
    // Body 1 was the oldest: forgotten to make room; 2, 3 and 4 are still remembered.
    expect([2, 3, 4].map((n) => guard.firstTime(body(n)))).toEqual([false, false, false]);
    expect(guard.firstTime(body(1))).toBe(true);
    expect(REPLAY_MEMORY).toBe(10_000);
  });

  it("holds at most REPLAY_MEMORY bodies under a flood of distinct ones", () => {
    const guard = new ReplayGuard();
    for (let n = 0; n < REPLAY_MEMORY + 500; n++) guard.firstTime(body(n));
    // The newest REPLAY_MEMORY are remembered, the first 500 forgotten.
    expect(guard.firstTime(body(REPLAY_MEMORY + 499))).toBe(false);
    expect(guard.firstTime(body(500))).toBe(false);
    expect(guard.firstTime(body(499))).toBe(true);
  });
});
