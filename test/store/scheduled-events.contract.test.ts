import { expect, it, vi } from "vitest";
import type { EventSource } from "../../src/db/scheduled-events-repo.js";
import { describeDialects, fakeDate, T0, type DialectHarness } from "../support/dialects.js";

const HOUR = 3_600_000;

describeDialects("scheduled events store", (open) => {
  fakeDate();

  async function withStream(open: () => Promise<DialectHarness>) {
    const h = await open();
    const stream = await h.store.streams.create("Show");
    const add = (title: string, startsIn: number, source: EventSource = { type: "live" }) =>
      h.store.scheduledEvents.create({ streamId: stream.id, title, description: null, startsAt: new Date(T0 + startsIn), endsAt: null, source });
    return { ...h, stream, add };
  }

  it("creates an event as scheduled, reads it back, and lists a stream's events by start", async () => {
    const { store, stream, add } = await withStream(open);
    const later = await add("Later", 2 * HOUR, { type: "media", mediaId: "m1", loop: true });
    const sooner = await add("Sooner", HOUR);
    expect(later).toEqual({
      id: later.id,
      streamId: stream.id,
      title: "Later",
      description: null,
      startsAt: new Date(T0 + 2 * HOUR),
      endsAt: null,
      source: { type: "media", mediaId: "m1", loop: true },
      status: "scheduled",
      statusReason: null,
      soonSentAt: null,
      startedAt: null,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    });
    expect(later.id).toMatch(/^sev_[0-9a-f]{32}$/);
    expect(await store.scheduledEvents.get(later.id)).toEqual(later);
    expect((await store.scheduledEvents.list(stream.id)).map((e) => e.title)).toEqual(["Sooner", "Later"]);
    expect(sooner.status).toBe("scheduled");
    expect(await store.scheduledEvents.get("sev_nope")).toBeUndefined();
  });

  it("patches only what it is given, and answers pending events (scheduled or started) soonest first", async () => {
    const { store, add } = await withStream(open);
    const a = await add("A", 3 * HOUR);
    const b = await add("B", HOUR);
    const c = await add("C", 2 * HOUR);
    vi.setSystemTime(T0 + 1000);
    const started = await store.scheduledEvents.update(b.id, { status: "started", startedAt: new Date(T0 + 1000), soonSentAt: new Date(T0 + 500) });
    expect(started).toMatchObject({ title: "B", status: "started", startedAt: new Date(T0 + 1000), soonSentAt: new Date(T0 + 500), updatedAt: new Date(T0 + 1000) });
    await store.scheduledEvents.update(c.id, { status: "cancelled", statusReason: "host ill", endsAt: new Date(T0 + 9 * HOUR) });
    expect((await store.scheduledEvents.get(c.id))!).toMatchObject({ status: "cancelled", statusReason: "host ill", endsAt: new Date(T0 + 9 * HOUR), title: "C" });
    await store.scheduledEvents.update(c.id, { endsAt: null, source: { type: "media", mediaId: "m2", loop: false } });
    expect((await store.scheduledEvents.get(c.id))!).toMatchObject({ endsAt: null, source: { type: "media", mediaId: "m2", loop: false } });
    expect((await store.scheduledEvents.pending()).map((e) => e.title)).toEqual(["B", "A"]);
    expect(await store.scheduledEvents.update("sev_nope", { title: "x" })).toBeUndefined();
    expect(a.status).toBe("scheduled");
  });

  it("keeps one announcement per event and account, replaced by the latest attempt, listed by platform", async () => {
    const { store, add, stream } = await withStream(open);
    const e = await add("Announced", HOUR);
    const yt = { accountId: "acct-yt", platform: "youtube", state: "announced" as const, externalId: "b-1", url: "https://youtu.be/b-1", message: null, attemptedAt: new Date(T0) };
    const x = { accountId: "acct-x", platform: "x", state: "refused" as const, externalId: null, url: null, message: "rate limited", attemptedAt: new Date(T0) };
    await store.scheduledEvents.saveAnnouncement(e.id, yt);
    await store.scheduledEvents.saveAnnouncement(e.id, x);
    expect(await store.scheduledEvents.announcements(e.id)).toEqual([x, yt]);
    const retried = { ...x, state: "announced" as const, externalId: "tweet-1", message: null, attemptedAt: new Date(T0 + 60_000) };
    await store.scheduledEvents.saveAnnouncement(e.id, retried);
    expect(await store.scheduledEvents.announcement(e.id, "acct-x")).toEqual(retried);
    expect(await store.scheduledEvents.announcements(e.id)).toHaveLength(2);
    expect(await store.scheduledEvents.announcement(e.id, "acct-none")).toBeUndefined();
    await store.streams.delete(stream.id);
    expect(await store.scheduledEvents.get(e.id)).toBeUndefined();
    expect(await store.scheduledEvents.announcements(e.id)).toEqual([]);
  });
  it("moves an event only from the status a transition expects: of two schedulers racing, one wins", async () => {
    const { store, add } = await withStream(open);
    const event = await add("Race", HOUR);
    vi.setSystemTime(T0 + 1000);
    const soon = await store.scheduledEvents.transition(event.id, "scheduled", { soonSentAt: new Date(T0 + 1000) }, { soonNotSent: true });
    expect(soon).toMatchObject({ status: "scheduled", soonSentAt: new Date(T0 + 1000), updatedAt: new Date(T0 + 1000) });
    expect(await store.scheduledEvents.transition(event.id, "scheduled", { soonSentAt: new Date(T0 + 2000) }, { soonNotSent: true })).toBeUndefined();
    const racing = await Promise.all(
      ["node-1", "node-2"].map((node) => store.scheduledEvents.transition(event.id, "scheduled", { status: "started", startedAt: new Date(T0 + 1000), statusReason: node })),
    );
    const winners = racing.filter((e) => e !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: "started", startedAt: new Date(T0 + 1000), soonSentAt: new Date(T0 + 1000) });
    expect(await store.scheduledEvents.get(event.id)).toEqual(winners[0]);
    expect(await store.scheduledEvents.transition(event.id, "scheduled", { status: "missed", statusReason: "late" })).toBeUndefined();
    expect(await store.scheduledEvents.transition(event.id, "started", { status: "ended", statusReason: "its end time came" })).toMatchObject({ status: "ended" });
    expect(await store.scheduledEvents.transition(event.id, "started", { status: "missed" })).toBeUndefined();
    expect(await store.scheduledEvents.transition("sev_gone", "scheduled", { status: "started" })).toBeUndefined();
  });
});
