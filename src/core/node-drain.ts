/** What a publisher is told while its node drains: OBS reconnects, and the load balancer sends it elsewhere. */
export const DRAIN_REFUSAL = "This node is shutting down; reconnect";

/**
 * This node is going away (SIGTERM in a cluster): it takes no new publishers and its health check fails, so the
 * load balancer stops sending anything new, while live streams go on until they end or move. One-way: a
 * draining node only stops.
 */
export class NodeDrain {
  private since: Date | undefined;
  private readonly listeners = new Set<() => void>();

  /** Starts draining; false when it already was. Listeners (the relay's refusal, the node registry) hear it once. */
  start(now = new Date()): boolean {
    if (this.since) return false;
    this.since = now;
    for (const listener of this.listeners) listener();
    return true;
  }

  get draining(): boolean {
    return this.since !== undefined;
  }

  /** When draining began, or undefined. */
  startedAt(): Date | undefined {
    return this.since;
  }

  /** The refusal a new publisher gets, or undefined while publishes are taken. */
  publishRefusal(): string | undefined {
    return this.since ? DRAIN_REFUSAL : undefined;
  }

  /** `listener` when draining starts; returns the way to stop listening. */
  onDrain(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
