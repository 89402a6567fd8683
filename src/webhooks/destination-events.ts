import type { PrismEvents } from "../bus.js";
import type { EventData } from "./catalog.js";
import type { Publish } from "./event-publisher.js";

export interface DestinationLookup {
  streamName(streamId: string): Promise<string | undefined>;
  platform(streamId: string, destinationId: string): Promise<string | undefined>;
  /** The destination's lastError now (the relay's, as health reports it): a late announcement tells the current reason. */
  lastError?(streamId: string, destinationId: string): string | null | undefined;
}

interface Tracked {
  /** destination.live was sent for the current run (since the destination last started). */
  liveAnnounced: boolean;
  /** destination.failed was sent and no destination.recovered yet. */
  failedAnnounced: boolean;
  /** When the current outage began (first drop or refusal), null while healthy. */
  troubleSince: string | null;
  lastError: string | null;
  failTimer: NodeJS.Timeout | null;
}

/**
 * Turns the relay's raw `destination.state` transitions into what a streamer wants to hear, once each:
 *
 * - `destination.live` when a destination starts receiving the stream (stream went live, or the
 *   destination was enabled). A reconnect nobody was told about is not announced again.
 * - `destination.failed` when the platform refused the stream (state `failed`), or when it has been
 *   `reconnecting` for longer than `failedAfterMs` — short blips are normal on the internet and
 *   must not turn the lights red. Once per outage.
 * - `destination.recovered` when a destination announced as failed is live again; only ever after
 *   a `destination.failed`, so every red light gets its green one.
 *
 * `stopped` (disabled, removed, stream ended) is a decision, not a failure: it resets everything.
 */
export class DestinationEventDeriver {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly options: { failedAfterMs: number },
    private readonly lookup: DestinationLookup,
    private readonly publish: Publish,
  ) {}

  onState(change: PrismEvents["destination.state"]): void {
    const key = `${change.streamId}/${change.destinationId}`;
    if (change.state === "stopped") {
      this.forget(key);
      return;
    }
    let t = this.tracked.get(key);
    if (!t) {
      t = { liveAnnounced: false, failedAnnounced: false, troubleSince: null, lastError: null, failTimer: null };
      this.tracked.set(key, t);
    }
    if (change.lastError !== null) t.lastError = change.lastError;

    switch (change.state) {
      case "live": {
        this.cancelTimer(t);
        if (t.failedAnnounced) {
          const since = Date.parse(t.troubleSince ?? change.at);
          const downtimeSec = Math.max(0, Math.round((Date.parse(change.at) - since) / 1000));
          this.publish("destination.recovered", this.ref(change).then((ref) => ({ ...ref, downtimeSec, reconnects: change.reconnects })), new Date(change.at));
        } else if (!t.liveAnnounced) {
          this.publish("destination.live", this.ref(change), new Date(change.at));
        }
        Object.assign(t, { liveAnnounced: true, failedAnnounced: false, troubleSince: null });
        return;
      }
      case "reconnecting": {
        t.troubleSince ??= change.at;
        if (t.failedAnnounced || t.failTimer) return;
        const tracked = t;
        tracked.failTimer = setTimeout(() => {
          tracked.failTimer = null;
          this.announceFailure(tracked, change, "reconnecting");
        }, this.options.failedAfterMs);
        tracked.failTimer.unref();
        return;
      }
      case "failed": {
        t.troubleSince ??= change.at;
        this.cancelTimer(t);
        this.announceFailure(t, change, "failed");
        return;
      }
      default:
        return; // idle, connecting: nothing to tell yet
    }
  }

  /** Clears every pending "still reconnecting" timer (service stopping). */
  stop(): void {
    for (const key of [...this.tracked.keys()]) this.forget(key);
  }

  private announceFailure(t: Tracked, change: PrismEvents["destination.state"], state: "failed" | "reconnecting"): void {
    if (t.failedAnnounced) return;
    t.failedAnnounced = true;
    const reason = this.lookup.lastError?.(change.streamId, change.destinationId) ?? t.lastError ?? "The destination stopped receiving the stream.";
    const since = t.troubleSince ?? change.at;
    const data = this.ref(change).then((ref): EventData["destination.failed"] => ({ ...ref, state, reason, since }));
    this.publish("destination.failed", data, state === "failed" ? new Date(change.at) : new Date());
  }

  /** Looked up now; the event keeps its place in the publisher's queue meanwhile. */
  private async ref(change: PrismEvents["destination.state"]): Promise<EventData["destination.live"]> {
    const [streamName, platform] = await Promise.all([this.lookup.streamName(change.streamId), this.lookup.platform(change.streamId, change.destinationId)]);
    return { streamId: change.streamId, streamName: streamName ?? "", destinationId: change.destinationId, destinationName: change.name, platform: platform ?? "custom" };
  }

  private cancelTimer(t: Tracked): void {
    if (t.failTimer) clearTimeout(t.failTimer);
    t.failTimer = null;
  }

  private forget(key: string): void {
    const t = this.tracked.get(key);
    if (t) this.cancelTimer(t);
    this.tracked.delete(key);
  }
}
