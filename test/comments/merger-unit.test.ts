import { describe, expect, it } from "vitest";
import { Merger } from "../../src/comments/merger.js";
import { unsafeRegexReason } from "../../src/comments/safe-regex.js";
import type { NewComment } from "../../src/comments/types.js";

const msg = (id: string, sentAt: number) => ({ platformMessageId: id, author: { id: "a", name: "a", badges: [] }, text: id, sentAt: new Date(sentAt) });

describe("the merger's ordering", () => {
  /** A merger on a hand-driven clock; `flush` is called by hand (its own timers may also fire: they read the same clock). */
  const merger = (windowMs: number, platforms: string[], stored = new Set<string>()) => {
    const clock = { now: 10_000 };
    const released: NewComment[][] = [];
    const m = new Merger("s", { windowMs, now: () => clock.now }, (b) => released.push(b), (p, id) => stored.has(`${p}\n${id}`));
    m.expect(platforms);
    const ids = () => released.flat().map((c) => c.platformMessageId);
    return { m, clock, released, ids };
  };

  it("holds a message while another platform could still hand over one sent before it, then orders by sentAt", () => {
    const { m, clock, ids } = merger(1_000, ["twitch", "youtube"], new Set(["twitch\nold"]));
    m.accept("twitch", [msg("t2", 9_900), msg("old", 9_000)]);
    m.flush(false);
    // YouTube has said nothing yet: t2 waits for it.
    expect(ids()).toEqual([]);
    clock.now = 10_500;
    // Sent earlier, arrived later, handed over twice: it comes first, once.
    m.accept("youtube", [msg("y1", 9_800), msg("y1", 9_800)]);
    m.accept("twitch", [msg("t2", 9_900)]);
    m.flush(false);
    // Twitch has passed 9,800, so y1 goes; YouTube has not passed 9,900, so t2 waits.
    expect(ids()).toEqual(["y1"]);
    clock.now = 10_999;
    m.flush(false);
    expect(ids()).toEqual(["y1"]);
    // ...but never longer than the window.
    clock.now = 11_000;
    m.flush(false);
    expect(ids()).toEqual(["y1", "t2"]);
    m.close();
  });

  it("in a busy chat, releases as soon as every other platform has moved past a message (no window wait)", () => {
    const { m, ids } = merger(1_000, ["twitch", "youtube", "x"]);
    m.accept("twitch", [msg("t1", 9_000), msg("t2", 9_300)]);
    m.accept("youtube", [msg("y1", 9_100), msg("y2", 9_400)]);
    m.flush(false);
    expect(ids()).toEqual([]);
    m.accept("x", [msg("x1", 9_200), msg("x2", 9_350)]);
    m.flush(false);
    // Everything up to the lowest watermark (twitch 9,300) — later ones could still be overtaken.
    expect(ids()).toEqual(["t1", "y1", "x1", "t2"]);
    m.close();
    expect(ids()).toEqual(["t1", "y1", "x1", "t2", "x2", "y2"]);
  });

  it("lets a reader's word that it has read everything up to a time release the others", () => {
    const { m, ids } = merger(5_000, ["twitch", "youtube"]);
    m.accept("twitch", [msg("t1", 9_500)]);
    m.flush(false);
    expect(ids()).toEqual([]);
    m.progress("youtube", new Date(9_400));
    m.flush(false);
    expect(ids()).toEqual([]);
    m.progress("youtube", new Date(9_500));
    m.flush(false);
    expect(ids()).toEqual(["t1"]);
    m.close();
  });

  it("does not wait for a platform it was told to ignore, until that platform is watched or vouches again", () => {
    const { m, clock, ids } = merger(1_000, ["twitch", "youtube"]);
    m.accept("twitch", [msg("t1", 9_900)]);
    m.flush(false);
    expect(ids()).toEqual([]);
    m.ignore("youtube");
    m.flush(false);
    expect(ids()).toEqual(["t1"]);
    m.watch("youtube");
    m.accept("twitch", [msg("t2", 9_950)]);
    m.flush(false);
    expect(ids()).toEqual(["t1"]);
    m.ignore("youtube");
    m.progress("youtube", new Date(9_000));
    m.flush(false);
    // Vouching makes it waited for again, from what it vouched for.
    expect(ids()).toEqual(["t1"]);
    clock.now = 11_000;
    m.flush(false);
    expect(ids()).toEqual(["t1", "t2"]);
    m.close();
  });

  it("with one platform, or with no window, holds nothing", () => {
    const single = merger(1_000, ["twitch"]);
    single.m.accept("twitch", [msg("a", 9_000), msg("b", 8_000)]);
    single.m.flush(false);
    expect(single.ids()).toEqual(["b", "a"]);
    single.m.close();
    const none = merger(0, ["twitch", "youtube"]);
    none.m.accept("twitch", [msg("a", 9_000)]);
    none.m.flush(false);
    expect(none.ids()).toEqual(["a"]);
    none.m.close();
  });

  it("wakes itself when the head of the queue has waited out the window", async () => {
    const released: string[] = [];
    const m = new Merger("s", { windowMs: 60 }, (b) => released.push(...b.map((c) => c.platformMessageId)), () => false);
    m.expect(["twitch", "youtube"]);
    const t0 = Date.now();
    m.accept("twitch", [msg("t1", t0)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(released).toEqual(["t1"]);
    m.close();
  });

  it("treats a platform clock ahead of ours as sent on arrival", () => {
    const released: NewComment[][] = [];
    const m = new Merger("s", { windowMs: 0, now: () => 5_000 }, (b) => released.push(b), () => false);
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
