import type { FeedEvent } from "./types.js";

type Listener = (event: FeedEvent) => void;

/**
 * Live fan-out of each stream's feed to its subscribers (SSE, WebSocket, overlay). Delivery is a
 * synchronous call per subscriber; a subscriber that cannot keep up buffers on its own connection.
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

  publish(streamId: string, event: FeedEvent): void {
    const set = this.listeners.get(streamId);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch {
        // One broken connection must not starve the others; its own close handler unsubscribes it.
      }
    }
  }

  subscribers(streamId: string): number {
    return this.listeners.get(streamId)?.size ?? 0;
  }
}
