import { afterEach, describe, expect, it } from "vitest";
import { EventBus, type PrismEvents } from "../../src/bus.js";
import { openPostgres } from "../../src/db/pg/client.js";
import { pgStore } from "../../src/db/pg/store.js";
import type { Store } from "../../src/db/store.js";
import { createLogger } from "../../src/log.js";
import { Scheduler } from "../../src/schedule/scheduler.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { openTestPostgres } from "../support/pg.js";

/**
 * Two nodes' schedulers on one PostgreSQL (issue #21): both arm the same timers, each on its own pool and bus as
 * two processes would, and every transition is announced once over both: starting_soon and started for media
 * events, starting_soon and missed for live events nobody publishes to.
 */
const box = new SecretBox("two-schedulers-tests-master-secret-0123456789");
const log = createLogger({ level: "silent" });
const TYPES = ["event.starting_soon", "event.started", "event.missed"] as const;
type Announced = { node: string; type: (typeof TYPES)[number]; eventId: string };

describe("two schedulers on one database (PostgreSQL)", () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function twoStores(): Promise<Store[]> {
    const first = await openTestPostgres();
    cleanup.push(first.close);
    const second = await openPostgres(first.database.url);
    cleanup.push(second.close);
    return [pgStore(first.db, box), pgStore(second.db, box)];
  }

  it("emits each event.* once over both nodes, and both end up agreeing on every event's status", async () => {
    const stores = await twoStores();
    const stream = await stores[0]!.streams.create("Scheduled show");
    // Far enough ahead that both are armed before the first timer, even on a busy machine.
    const startsAt = Date.now() + 3_000;
    const media = [];
    const live = [];
    for (let i = 0; i < 8; i++) {
      const at = new Date(startsAt + i * 20);
      media.push(await stores[0]!.scheduledEvents.create({ streamId: stream.id, title: `Replay ${i}`, description: null, startsAt: at, endsAt: null, source: { type: "media", mediaId: `m${i}`, loop: false } }));
      live.push(await stores[0]!.scheduledEvents.create({ streamId: stream.id, title: `Live ${i}`, description: null, startsAt: at, endsAt: null, source: { type: "live" } }));
    }
    const expected = 4 * media.length;
    const announced: Announced[] = [];
    let wake = () => {};
    const schedulers = stores.map((store, n) => {
      const node = `node-${n + 1}`;
      const bus = new EventBus();
      for (const type of TYPES) {
        bus.on(type, (e: PrismEvents[typeof type]) => {
          announced.push({ node, type, eventId: e.eventId });
          wake();
        });
      }
      const scheduler = new Scheduler({ repo: store.scheduledEvents, bus, isLive: () => false, settings: { startingSoonLeadMs: 1_000, missedGraceMs: 500 }, log });
      cleanup.push(() => scheduler.stop());
      return scheduler;
    });
    await Promise.all(schedulers.map((s) => s.start()));

    const deadline = Date.now() + 20_000;
    while (announced.length < expected && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, deadline - Date.now()).unref();
      });
    }
    // Each scheduler's queue runs its transitions in order; one more job behind them means both have settled.
    await Promise.all(schedulers.map((s) => s.startNow("sev_none")));

    const count = (type: Announced["type"], eventId: string) => announced.filter((a) => a.type === type && a.eventId === eventId).length;
    for (const e of media) {
      expect(count("event.starting_soon", e.id), e.title).toBe(1);
      expect(count("event.started", e.id), e.title).toBe(1);
      expect(count("event.missed", e.id), e.title).toBe(0);
    }
    for (const e of live) {
      expect(count("event.starting_soon", e.id), e.title).toBe(1);
      expect(count("event.missed", e.id), e.title).toBe(1);
      expect(count("event.started", e.id), e.title).toBe(0);
    }
    expect(announced).toHaveLength(expected);
    const statuses = new Map((await stores[1]!.scheduledEvents.list(stream.id)).map((e) => [e.id, e.status]));
    for (const e of media) expect(statuses.get(e.id)).toBe("started");
    for (const e of live) expect(statuses.get(e.id)).toBe("missed");
  });
});
