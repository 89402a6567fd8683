import type { FeedEvent } from "./types.js";

/** Events released together arrive together: one array, shared by every subscriber (do not mutate it). */
type Listener = (events: readonly FeedEvent[]) => void;

/**
 * Live fan-out of each stream's feed to its subscribers (SSE, WebSocket, overlay). Delivery is one
 * synchronous call per subscriber per released batch, so work that is the same for every subscriber
 * (serializing, encoding) is done once per batch; a slow subscriber buffers on its own connection.
 */
export class LiveFeed {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(streamId: string, listener: Listener): () => void {
    let set = this.listeners.get(streamId);
    if (!set) this.listeners.set(streamId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(streamId) === set) this.listeners.delete(streamId);
    };
  }

  publish(streamId: string, events: readonly FeedEvent[]): void {
    const set = this.listeners.get(streamId);
    if (!set || events.length === 0) return;
    for (const listener of set) {
      try {
        listener(events);
      } catch {
        // One broken connection must not starve the others; its own close handler unsubscribes it.
      }
    }
  }

  subscribers(streamId: string): number {
    return this.listeners.get(streamId)?.size ?? 0;
  }
}
