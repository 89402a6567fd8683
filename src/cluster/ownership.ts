import { setTimeout as delay } from "node:timers/promises";
import type { NodeRequests } from "./forward.js";
import type { Lease, LeaseLostError, Leases } from "./leases.js";
import { ClusterUnavailableError, type NatsLink } from "./nats.js";

/** The value of a live stream's ownership lease (prism_streams). */
export interface StreamLease {
  nodeId: string;
  sessionId: string;
  /** One more at every takeover, so a node that comes back after an outage can tell it was replaced. */
  epoch: number;
}

export type OwnershipClaim =
  /** This node owns the stream now; `takenOverFrom` names the dead owner it replaced (the session goes on). */
  | { ok: true; lease: Lease<StreamLease>; takenOverFrom?: StreamLease }
  /** A live node owns it: the publisher is refused as a second publisher on one node would be. */
  | { ok: false; owner: StreamLease };

export interface StreamOwnershipOptions {
  /** How long the owner named by a lease has to answer the ping that tells a live owner from a dead one (default 500 ms). */
  pingTimeoutMs?: number;
  /** How often a dead owner's lease is looked at until it lapses (default 250 ms). */
  pollMs?: number;
  /** Another node took a stream this node owned (it was cut off from NATS past the lease): end it here. */
  onLost: (streamId: string, err: LeaseLostError) => void;
  onRenewError?: (streamId: string, err: unknown) => void;
}

/**
 * Who owns each live stream: the node that accepted its publisher holds a lease on the stream id, renewed every
 * third of the TTL. A publisher arriving elsewhere meets the lease: a live owner (it answers its ping) means a
 * refusal; a dead one (no answer) means waiting for its lease to lapse and taking the stream over, with the same
 * session and the next epoch.
 */
export class StreamOwnership {
  private readonly held = new Map<string, Lease<StreamLease>>();

  constructor(
    private readonly link: NatsLink,
    readonly nodeId: string,
    private readonly leases: Leases<StreamLease>,
    private readonly requests: NodeRequests,
    private readonly options: StreamOwnershipOptions,
  ) {}

  /**
   * Claims `streamId` for a publisher that starts session `sessionId` here. Waits (until `signal` aborts) while a
   * dead owner's lease runs out. Throws ClusterUnavailableError while NATS is down: nobody can tell who owns it.
   */
  async claim(streamId: string, sessionId: string, signal?: AbortSignal): Promise<OwnershipClaim> {
    const mine = this.held.get(streamId);
    if (mine && !mine.lost) return { ok: true, lease: mine };
    let deadOwner: StreamLease | undefined;
    let pinged: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      this.requireUp();
      const next: StreamLease = deadOwner ? { nodeId: this.nodeId, sessionId: deadOwner.sessionId, epoch: deadOwner.epoch + 1 } : { nodeId: this.nodeId, sessionId, epoch: 1 };
      const result = await this.leases.claim(streamId, next);
      if (result.won) return this.claimed(streamId, result.lease, deadOwner);
      const holder = result.holder;
      if (!holder) continue; // lapsed in between
      if (holder.value.nodeId === this.nodeId) {
        // This node's id, from before a crash and restart (ids are unique among live nodes): no need to wait.
        const lease = await this.leases.takeOver(streamId, { ...holder.value, epoch: holder.value.epoch + 1 }, holder);
        if (lease) return this.claimed(streamId, lease, holder.value);
        continue;
      }
      if (holder.revision !== pinged) {
        if (await this.answers(holder.value.nodeId)) return { ok: false, owner: holder.value };
        pinged = holder.revision;
        deadOwner = holder.value;
      }
      // A dead owner's lease lapses within the TTL; nats-server 2.9 does not announce it.
      await delay(this.options.pollMs ?? 250, undefined, signal ? { signal } : {});
    }
  }

  /** The owner of `streamId`, or null when no node has it live. */
  async ownerOf(streamId: string): Promise<StreamLease | null> {
    return (await this.leases.holder(streamId))?.value ?? null;
  }

  /** The stream ended here: free it for any node at once. */
  async release(streamId: string): Promise<void> {
    const lease = this.held.get(streamId);
    this.held.delete(streamId);
    await lease?.release();
  }

  /** The streams this node owns. */
  owned(): string[] {
    return [...this.held.keys()];
  }

  private claimed(streamId: string, lease: Lease<StreamLease>, takenOverFrom: StreamLease | undefined): OwnershipClaim {
    return { ok: true, lease: this.hold(streamId, lease), ...(takenOverFrom ? { takenOverFrom } : {}) };
  }

  private hold(streamId: string, lease: Lease<StreamLease>): Lease<StreamLease> {
    this.held.set(streamId, lease);
    lease.keep({
      onLost: (err) => {
        if (this.held.get(streamId) === lease) this.held.delete(streamId);
        this.options.onLost(streamId, err);
      },
      onError: (err) => this.options.onRenewError?.(streamId, err),
    });
    return lease;
  }

  private async answers(nodeId: string): Promise<boolean> {
    try {
      await this.requests.ask(nodeId, "ping", null, { timeoutMs: this.options.pingTimeoutMs ?? 500 });
      return true;
    } catch (err) {
      if (err instanceof ClusterUnavailableError && this.link.isUp()) return false;
      throw err;
    }
  }

  private requireUp(): void {
    if (!this.link.isUp()) throw new ClusterUnavailableError("Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds");
  }
}
