import { describe, expect, it } from "vitest";
import { Merger } from "../../src/comments/merger.js";
import { unsafeRegexReason } from "../../src/comments/safe-regex.js";
import type { NewComment } from "../../src/comments/types.js";

const msg = (id: string, sentAt: number) => ({ platformMessageId: id, author: { id: "a", name: "a", badges: [] }, text: id, sentAt: new Date(sentAt) });

describe("the merger's reorder window", () => {
  it("releases in sentAt order only what has waited out the window, and drops repeats", () => {
    let now = 10_000;
    const released: NewComment[][] = [];
    const stored = new Set(["twitch\nold"]);
    const m = new Merger("s", { windowMs: 1_000, tickMs: 1_000_000, now: () => now }, (b) => released.push(b), (p, id) => stored.has(`${p}\n${id}`));
    m.accept("twitch", [msg("t2", 9_900), msg("old", 9_000)]);
    now = 10_500;
    // Sent earlier, arrived later: it must still come first.
    m.accept("youtube", [msg("y1", 9_800), msg("y1", 9_800)]);
    m.accept("twitch", [msg("t2", 9_900)]);
    m.flush(false);
    expect(released).toEqual([]);
    now = 11_000;
    m.flush(false);
    // t2 has waited 1 s, but y1 (sent before it) has not: nothing may overtake y1.
    expect(released).toEqual([]);
    now = 11_500;
    m.flush(false);
    expect(released.flat().map((c) => c.platformMessageId)).toEqual(["y1", "t2"]);
    m.close();
  });

  it("treats a platform clock ahead of ours as sent on arrival", () => {
    const released: NewComment[][] = [];
    const m = new Merger("s", { windowMs: 0, tickMs: 10, now: () => 5_000 }, (b) => released.push(b), () => false);
    m.accept("x", [msg("future", 60_000)]);
    m.close();
    expect(released.flat()[0]!.sentAt.getTime()).toBe(5_000);
  });
});

describe("regex filters are held to a safe subset", () => {
  it.each([
    ["spam+", null],
    ["buy (cheap )?followers", null],
    ["(ab)+c", null],
    ["[a-z]+@[a-z]+\\.com", null],
    ["(a+)+$", "repeat a group"],
    ["(a|aa)*", "repeat a group"],
    ["((ab)*c)+", "repeat a group"],
    ["(\\w)\\1", "backreferences"],
    ["(?=x)x", "lookarounds"],
    ["(?<!x)y", "lookarounds"],
    ["[", "not a valid regular expression"],
    ["a".repeat(201), "at most 200"],
  ])("%s", (pattern, problem) => {
    const reason = unsafeRegexReason(pattern);
    if (problem === null) expect(reason).toBeNull();
    else expect(reason).toContain(problem);
  });
});
