import { describe, expect, it } from "vitest";
import { DestinationTally } from "../../src/core/destination-tally.js";
import { describeIngest, formatCountdown } from "../../src/core/ingest-status.js";

describe("the destination counters, defined once", () => {
  it("count a reconnect only when a drop came back; attempt is the retry of this outage; the error turns to history", () => {
    const tally = new DestinationTally();
    // A first connection that needs retries is not a reconnect: it had not been live.
    expect(tally.dropped("refused", new Date("2026-01-01T00:00:00Z"))).toBe(1);
    expect(tally.view("reconnecting")).toMatchObject({ reconnects: 0, attempt: 1, lastError: "refused", lastErrorCurrent: true, outageSince: "2026-01-01T00:00:00.000Z" });
    expect(tally.live()).toBe(false);
    expect(tally.view("live")).toMatchObject({ reconnects: 0, attempt: 0, lastError: "refused", lastErrorAt: "2026-01-01T00:00:00.000Z", lastErrorCurrent: false, outageSince: null });
    // Live, dropped, three retries, back: one reconnect.
    tally.dropped("closed", new Date("2026-01-01T00:01:00Z"));
    tally.dropped("refused again", new Date("2026-01-01T00:01:01Z"));
    expect(tally.dropped("refused again", new Date("2026-01-01T00:01:03Z"))).toBe(3);
    expect(tally.view("reconnecting")).toMatchObject({ attempt: 3, lastErrorAt: "2026-01-01T00:01:03.000Z", outageSince: "2026-01-01T00:01:00.000Z" });
    expect(tally.live()).toBe(true);
    expect(tally.view("live")).toMatchObject({ reconnects: 1, attempt: 0, lastError: "refused again", lastErrorCurrent: false });
    // A refusal ends the tries: the error is current while failed, no retry number.
    tally.failed("key refused");
    expect(tally.view("failed")).toMatchObject({ reconnects: 1, attempt: 0, lastError: "key refused", lastErrorCurrent: true });
    expect(tally.view("stopped").lastErrorCurrent).toBe(false);
  });
});

describe("the ingest state in words", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("says what happens next, with the slate's countdown", () => {
    expect(describeIngest("slate", "2026-01-01T00:04:12Z", now)).toEqual({ tone: "alert", headline: "OBS is gone — showing the slate", next: "the stream ends in 4:12 unless it comes back", endsInSec: 252 });
    expect(describeIngest("stalled", "2026-01-01T00:00:15Z", now)).toMatchObject({ tone: "alert", next: "the stream ends in 0:15 unless it sends again" });
    expect(describeIngest("stalled", null, now)).toMatchObject({ headline: "OBS is connected but sends nothing", next: "destinations get nothing until it sends again", endsInSec: null });
    expect(describeIngest("publisher", null, now).tone).toBe("ok");
    expect(describeIngest("backup", null, now).tone).toBe("warn");
    expect(describeIngest("resuming", null, now).tone).toBe("warn");
    expect(describeIngest("offline", null, now)).toMatchObject({ tone: "off", endsInSec: null });
    // A deadline just passed reads 0:00, never a negative time.
    expect(describeIngest("slate", "2025-12-31T23:59:59Z", now).endsInSec).toBe(0);
  });
  it("writes countdowns as m:ss, or h:mm:ss past an hour", () => {
    expect(formatCountdown(15)).toBe("0:15");
    expect(formatCountdown(252)).toBe("4:12");
    expect(formatCountdown(3723)).toBe("1:02:03");
    expect(formatCountdown(0.2)).toBe("0:01");
  });
});
