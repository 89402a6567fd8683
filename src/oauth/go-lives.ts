import type { EventBus } from "../bus.js";
import type { DestinationLive } from "../destinations/account-api.js";
import type { DestinationSettingsStore } from "../destinations/types.js";

/**
 * Which streams are live now, and for each, the destinations whose platform already did its
 * once-per-go-live step (e.g. posted an announcement): what a chat reader needs across its retries.
 */
export class GoLives {
  /**
   * Live streams → destinations whose once-per-go-live step ran during this go-live; "all" for a go-live this node
   * took over from one that died (the dead node ran the steps, or it is better to miss one than to post twice).
   */
  private readonly done = new Map<string, Set<string> | "all">();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly bus: EventBus) {}

  /** Before the comment feed subscribes, so a go-live is known here when its readers start. */
  start(): void {
    // Go-lives happen on the stream's owner (where its chat readers start), once cluster-wide.
    this.unsubscribe.push(this.bus.on("stream.started", ({ streamId, continued }) => void this.done.set(streamId, continued ? "all" : new Set()), { localOnly: true }));
    this.unsubscribe.push(this.bus.on("stream.ended", ({ streamId }) => void this.done.delete(streamId), { localOnly: true }));
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** One destination of a stream during its go-live, its settings kept in `store` (if its platform has any). */
  destination(streamId: string, destinationId: string, store: DestinationSettingsStore | undefined): DestinationLive {
    return {
      settings: async () => store?.get(destinationId),
      updateSettings: async (patch) => void (await store?.update(destinationId, patch)),
      // Outside a known go-live nothing is done: a post goes out only for a stream that started.
      doneThisGoLive: () => {
        const done = this.done.get(streamId);
        return done === undefined || done === "all" || done.has(destinationId);
      },
      markDoneThisGoLive: () => {
        const done = this.done.get(streamId);
        if (done instanceof Set) done.add(destinationId);
      },
    };
  }

  /** The streams live now (started since Prism started, not ended). */
  liveStreams(): string[] {
    return [...this.done.keys()];
  }
}
