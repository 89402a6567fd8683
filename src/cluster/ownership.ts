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
  /**
   * Another node has a publisher for a stream this node owns: let it go (true: the stream ended here, its lease is
   * being released) or keep it (false: an encoder still publishes here, the newcomer is a second publisher).
   * Without it, a stream this node holds is always kept.
   */
  yieldTo?: (streamId: string, nodeId: string) => boolean;
}

/** What a node answers when another asks whether it still holds a stream (the "holds" command). */
interface HoldsAnswer {
  holds: boolean;
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
  ) {
    this.stopServing = requests.serve("holds", (body) => this.holds(body));
  }

  private readonly stopServing: () => void;

  /** Stops answering other nodes' questions about this node's streams (the node leaves). */
  stop(): void {
    this.stopServing();
  }

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
        const owner = await this.ownerState(holder.value.nodeId, streamId);
        if (owner === "holds") return { ok: false, owner: holder.value };
        if (owner === "dead") {
          pinged = holder.revision;
          deadOwner = holder.value;
        }
        // "letting go": the owner ended the stream (or is ending it) and deletes its lease; look again shortly.
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

  /** Whether the node named by a stream's lease keeps the stream, lets it go, or does not answer (dead). */
  private async ownerState(nodeId: string, streamId: string): Promise<"holds" | "letting go" | "dead"> {
    try {
      const answer = await this.requests.ask<HoldsAnswer>(nodeId, "holds", { streamId, from: this.nodeId }, { timeoutMs: this.options.pingTimeoutMs ?? 500 });
      return answer.holds ? "holds" : "letting go";
    } catch (err) {
      if (err instanceof ClusterUnavailableError && this.link.isUp()) return "dead";
      throw err;
    }
  }

  /** Another node asks about a stream it has a publisher for: keep it if this node still relays it, else let it go. */
  private holds(body: unknown): HoldsAnswer {
    const { streamId, from } = (body ?? {}) as { streamId?: unknown; from?: unknown };
    if (typeof streamId !== "string" || typeof from !== "string") throw Object.assign(new Error("Ask about one stream: { streamId, from }"), { status: 400 });
    const lease = this.held.get(streamId);
    if (!lease || lease.lost) return { holds: false };
    return { holds: !(this.options.yieldTo?.(streamId, from) ?? false) };
  }

  private requireUp(): void {
    if (!this.link.isUp()) throw new ClusterUnavailableError("Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds");
  }
}
