import { describe, expect, it } from "vitest";
import { QuotaLedger, quotaDay, untilQuotaReset } from "../../src/destinations/youtube/quota.js";

describe("YouTube quota ledger", () => {
  it("counts each method at its documented cost, per account, and in total", () => {
    const ledger = new QuotaLedger(() => new Date("2026-05-01T18:00:00Z"));
    ledger.spend("a", "liveBroadcasts.insert");
    ledger.spend("a", "liveChatMessages.list");
    ledger.spend("a", "liveChatMessages.streamList");
    ledger.spend("b", "liveBroadcasts.list");
    expect(ledger.today("a")).toBe(60);
    expect(ledger.today("b")).toBe(1);
    expect(ledger.today()).toBe(61);
    expect(ledger.methods()).toContainEqual({ method: "liveChatMessages.list", calls: 1, units: 5 });
  });

  it("starts a new day at midnight Pacific (07:00 UTC in summer, 08:00 in winter), as YouTube does", () => {
    let now = new Date("2026-07-01T06:59:00Z");
    const ledger = new QuotaLedger(() => now);
    ledger.spend("a", "liveBroadcasts.transition");
    expect(ledger.today("a")).toBe(50);
    now = new Date("2026-07-01T07:00:00Z");
    expect(ledger.today("a")).toBe(0);
    expect(quotaDay(new Date("2026-12-06T07:59:59Z"))).toBe("2026-12-05");
    expect(quotaDay(new Date("2026-12-06T08:00:00Z"))).toBe("2026-12-06");
  });

  it("reads an empty ledger without its day, and a spend after such reads counts on the day it was made", () => {
    let now = new Date("2026-07-01T06:00:00Z");
    const ledger = new QuotaLedger(() => now);
    expect(ledger.accounts()).toEqual([]);
    expect(ledger.methods()).toEqual([]);
    now = new Date("2026-07-01T08:00:00Z"); // a new Pacific day since the reads
    ledger.spend("a", "liveChatMessages.list");
    expect(ledger.accounts()).toEqual([{ accountId: "a", units: 5 }]);
    expect(ledger.today()).toBe(5);
    now = new Date("2026-07-02T07:00:00Z"); // and the next day's midnight still resets it
    expect(ledger.today("a")).toBe(0);
    expect(ledger.accounts()).toEqual([]);
  });

  it("knows how long until the quota comes back, across daylight-saving changes", () => {
    expect(untilQuotaReset(new Date("2026-07-01T06:59:00Z"))).toBe(60_000);
    expect(untilQuotaReset(new Date("2026-12-05T22:00:00Z"))).toBe(10 * 3_600_000);
    // 8 March 2026: clocks spring forward at 02:00 Pacific, but that day still begins at 08:00 UTC.
    expect(untilQuotaReset(new Date("2026-03-08T07:30:00Z"))).toBe(30 * 60_000);
    // 1 November 2026: clocks fall back; the next midnight is 08:00 UTC on 2 November.
    expect(untilQuotaReset(new Date("2026-11-01T07:00:00Z"))).toBe(25 * 3_600_000);
  });
});
