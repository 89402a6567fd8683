import type { EventBus, ScheduledEventPayload } from "../bus.js";
import type { Logger } from "../log.js";
import type { ScheduledEvent } from "../db/scheduled-events-repo.js";
import type { ScheduledEventsStore } from "../db/store.js";
import { Timers } from "./timers.js";

export interface SchedulerSettings {
  /** How long before the start event.starting_soon goes out. */
  startingSoonLeadMs: number;
  /** How long after the start a live event waits for its publisher before event.missed. */
  missedGraceMs: number;
}

export function payloadOf(event: ScheduledEvent, at = new Date()): ScheduledEventPayload {
  return {
    eventId: event.id,
    streamId: event.streamId,
    title: event.title,
    startsAt: event.startsAt.toISOString(),
    endsAt: event.endsAt?.toISOString() ?? null,
    source: event.source,
    at: at.toISOString(),
  };
}

/**
 * The timeline of scheduled events: starting_soon, start, missed and end, armed as timers from the
 * database (the truth), so a restart re-arms what is ahead and marks what passed meanwhile. A media
 * event starts at its time (event.started is what plays it); a live event starts when its publisher
 * is live at or after its time, or is missed once the grace period passes without one.
 *
 * Every node of a cluster runs one on the same database and arms the same timers; each transition is a
 * compare-and-set (`transition`), so one node wins it and only the winner announces it (event.*) and acts on
 * it (its media player plays the event). A node that loses re-arms from what the winner wrote.
 */
export class Scheduler {
  private readonly timers = new Timers();
  private unsubscribe: Array<() => void> = [];
  /** Transitions run one at a time here (fewer lost compare-and-sets); across nodes the compare-and-set decides. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      repo: ScheduledEventsStore;
      bus: EventBus;
      /** The stream has a publisher now. */
      isLive(streamId: string): boolean;
      settings: SchedulerSettings;
      log: Logger;
    },
  ) {}

  /** Subscribes, then recovers what is pending (resolves once it is armed, started late or marked missed). */
  start(): Promise<void> {
    const { bus } = this.deps;
    // On the stream's owner only: an event's transition is made once cluster-wide.
    this.unsubscribe.push(bus.on("stream.started", ({ streamId }) => void this.run(() => this.publisherStarted(streamId)), { localOnly: true }));
    this.unsubscribe.push(bus.on("stream.ended", ({ streamId }) => void this.run(() => this.streamEnded(streamId)), { localOnly: true }));
    // The media player could not play a started event's file (e.g. removed from the disk by hand): it did not happen.
    this.unsubscribe.push(bus.on("event.missed", ({ eventId, reason }) => void this.run(() => this.failedToPlay(eventId, reason))));
    return this.run(async () => {
      for (const event of await this.deps.repo.pending()) await this.recover(event);
    });
  }

  /** Queues a transition behind the others; a failure is logged (the returned promise never rejects). */
  private run(job: () => Promise<void>): Promise<void> {
    const next = this.serial.then(job).catch((err: unknown) => this.deps.log.error({ err }, "a scheduled event's transition failed"));
    this.serial = next;
    return next;
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.timers.stop();
  }

  /** (Re-)arms an event's timers after it was created or changed. */
  arm(event: ScheduledEvent): void {
    this.timers.clearAll(event.id);
    if (event.status === "started") return this.armEnd(event);
    if (event.status !== "scheduled") return;
    const { startingSoonLeadMs, missedGraceMs } = this.deps.settings;
    const start = event.startsAt.getTime();
    if (!event.soonSentAt) this.timers.at(`${event.id}:soon`, start - startingSoonLeadMs, () => void this.run(() => this.startingSoon(event.id)));
    this.timers.at(`${event.id}:start`, start, () => void this.run(() => this.due(event.id)));
    if (event.source.type === "live") {
      this.timers.at(`${event.id}:missed`, start + missedGraceMs, () => void this.run(() => this.missed(event.id, "nobody published to the stream within the grace period after its start")));
    }
  }

  /** Stops an event's timers (cancelled). */
  disarm(eventId: string): void {
    this.timers.clearAll(eventId);
  }

  /** Starts a scheduled event now, whatever its time (the start-event action). */
  async startNow(eventId: string): Promise<ScheduledEvent | undefined> {
    await this.run(() => this.due(eventId, true));
    return this.deps.repo.get(eventId);
  }

  /** At start-up: what is ahead is armed; what passed while Prism was down is started late or marked missed. */
  private async recover(event: ScheduledEvent): Promise<void> {
    if (event.status === "started") {
      // Live on another node of the cluster: its end is still ahead.
      if (this.deps.isLive(event.streamId)) return this.armEnd(event);
      // The relay started afresh: whatever was playing or publishing then is gone.
      return this.finish(event, "Prism restarted during the event");
    }
    const start = event.startsAt.getTime();
    if (start + this.deps.settings.missedGraceMs <= Date.now()) {
      return this.missed(event.id, "Prism was not running at its start time");
    }
    this.arm(event);
  }

  private async startingSoon(eventId: string): Promise<void> {
    const event = await this.deps.repo.get(eventId);
    if (!event || event.status !== "scheduled" || event.soonSentAt) return;
    const at = new Date();
    const sent = await this.deps.repo.transition(event.id, "scheduled", { soonSentAt: at }, { soonNotSent: true });
    if (!sent) return this.rearm(event.id);
    this.deps.bus.emit("event.starting_soon", payloadOf(sent, at));
  }

  /** Another node's scheduler moved the event first: follow what it wrote. */
  private async rearm(eventId: string): Promise<void> {
    const event = await this.deps.repo.get(eventId);
    if (event) this.arm(event);
    else this.timers.clearAll(eventId);
  }

  /** The start time came (or a publisher arrived after it): a media event starts; a live one if its publisher is live. */
  private async due(eventId: string, force = false): Promise<void> {
    const event = await this.deps.repo.get(eventId);
    if (!event || event.status !== "scheduled") return;
    if (event.source.type === "live" && !this.deps.isLive(event.streamId) && !force) return;
    const at = new Date();
    const started = await this.deps.repo.transition(event.id, "scheduled", { status: "started", startedAt: at, ...(!event.soonSentAt && { soonSentAt: at }) });
    if (!started) return this.rearm(event.id);
    this.timers.clearAll(event.id);
    this.armEnd(started);
    this.deps.log.info({ event: event.id, stream: event.streamId, source: event.source.type }, "scheduled event started");
    this.deps.bus.emit("event.started", payloadOf(started, at));
  }

  private async missed(eventId: string, reason: string): Promise<void> {
    const event = await this.deps.repo.get(eventId);
    if (!event || event.status !== "scheduled") return;
    const missed = await this.deps.repo.transition(event.id, "scheduled", { status: "missed", statusReason: reason });
    if (!missed) return this.rearm(event.id);
    this.timers.clearAll(event.id);
    this.deps.log.warn({ event: event.id, stream: event.streamId, reason }, "scheduled event missed");
    this.deps.bus.emit("event.missed", { ...payloadOf(missed), reason });
  }

  private async failedToPlay(eventId: string, reason: string): Promise<void> {
    const event = await this.deps.repo.get(eventId);
    if (!event || event.status !== "started") return;
    this.timers.clearAll(eventId);
    await this.deps.repo.transition(eventId, "started", { status: "missed", statusReason: reason });
  }

  private armEnd(event: ScheduledEvent): void {
    if (event.endsAt) this.timers.at(`${event.id}:end`, event.endsAt.getTime(), () => void this.run(async () => this.finish(await this.deps.repo.get(event.id), "its end time came")));
  }

  private async finish(event: ScheduledEvent | undefined, reason: string): Promise<void> {
    if (!event || event.status !== "started") return;
    this.timers.clearAll(event.id);
    // Lost to another node's scheduler or to a failed playback: either way the event is over, nothing to announce.
    await this.deps.repo.transition(event.id, "started", { status: "ended", statusReason: reason });
  }

  /** A publisher went live: live events of the stream whose start has passed (within the grace period) start now. */
  private async publisherStarted(streamId: string): Promise<void> {
    const now = Date.now();
    for (const event of await this.deps.repo.list(streamId)) {
      if (event.status === "scheduled" && event.source.type === "live" && event.startsAt.getTime() <= now) await this.due(event.id);
    }
  }

  private async streamEnded(streamId: string): Promise<void> {
    for (const event of await this.deps.repo.list(streamId)) if (event.status === "started") await this.finish(event, "the stream ended");
  }
}
