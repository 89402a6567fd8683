import type { Logger } from "../log.js";
import { NodeRequests } from "./forward.js";
import { Leases, type Lease, type LeaseHolder, type LeaseLostError } from "./leases.js";
import { ClusterUnavailableError, type NatsLink } from "./nats.js";
import { buckets } from "./subjects.js";

export interface NodeLoad {
  /** This process's CPU use, in % of one core. */
  cpu: number;
  streams: number;
  outputs: number;
  bitrateKbps: number;
}

/** What the cluster knows of a node while it is alive. */
export interface NodeInfo {
  nodeId: string;
  version: string;
  httpUrl: string;
  rtmpUrl: string;
  startedAt: string;
  draining: boolean;
  load: NodeLoad;
}

/** What a node answers on its ping subject. */
interface PingAnswer {
  nodeId: string;
  startedAt: string;
  httpUrl: string;
}

/** Start-up refused: another live node already uses this PRISM_NODE_ID. */
export class DuplicateNodeIdError extends Error {
  override readonly name = "DuplicateNodeIdError";
}

export interface NodeRegistryOptions {
  /** An entry not renewed for this long is gone (default 10 s). */
  ttlMs?: number;
  /** How often this node renews its entry (default 2 s). */
  renewEveryMs?: number;
  /** How long a node named by an existing entry has to answer the ping that tells a live one from a crashed one (default 500 ms). */
  pingTimeoutMs?: number;
  log?: Pick<Logger, "warn" | "error"> | undefined;
  /** Another process took this node's id over (this one was cut off from NATS for longer than the TTL). */
  onLost?: (err: LeaseLostError) => void;
}

/**
 * The cluster's node registry: one entry per live node in the `prism_nodes` bucket, renewed every ~2 s and
 * gone ~10 s after its node stopped. `join` refuses a second live node with the same id; an entry left by a
 * crashed node (nothing answers its ping) is taken over at once.
 */
export class NodeRegistry {
  private stopServing: (() => void) | undefined;

  private constructor(
    private readonly leases: Leases<NodeInfo>,
    private readonly entry: Lease<NodeInfo>,
  ) {}

  static async join(link: NatsLink, info: NodeInfo, options: NodeRegistryOptions = {}): Promise<NodeRegistry> {
    const leases = await Leases.open<NodeInfo>(link, { bucket: buckets.nodes, ttlMs: options.ttlMs ?? 10_000 });
    const requests = new NodeRequests(link, info.nodeId);
    const entry = await claimId(link, leases, requests, info, options.pingTimeoutMs ?? 500);
    const registry = new NodeRegistry(leases, entry);
    registry.stopServing = requests.serve("ping", (): PingAnswer => ({ nodeId: info.nodeId, startedAt: info.startedAt, httpUrl: info.httpUrl }));
    entry.keep({
      everyMs: options.renewEveryMs ?? 2_000,
      onLost: (err) => {
        options.log?.error({ err }, "Another process took this node's PRISM_NODE_ID over");
        options.onLost?.(err);
      },
      onError: (err) => options.log?.warn({ err }, "Could not renew this node's entry in the cluster; retrying"),
    });
    return registry;
  }

  get self(): NodeInfo {
    return this.entry.value;
  }

  /** Changes this node's entry (draining, load, its addresses once it listens) and writes it at once rather than at the next renewal. */
  async update(change: Partial<Pick<NodeInfo, "draining" | "load" | "httpUrl" | "rtmpUrl">>): Promise<void> {
    await this.entry.renew({ ...this.entry.latest, ...change });
  }

  /** Every live node (this one included), by id. */
  async list(): Promise<NodeInfo[]> {
    const holders = await Promise.all((await this.leases.keys()).map((id) => this.leases.holder(id)));
    return holders.flatMap((h) => (h ? [h.value] : [])).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** Leaves the cluster: stops answering pings and deletes the entry, so the id is free at once. */
  async leave(): Promise<void> {
    this.stopServing?.();
    await this.entry.release();
  }
}

/** Claims `info.nodeId` in the registry, or throws DuplicateNodeIdError if a live node holds it. */
async function claimId(link: NatsLink, leases: Leases<NodeInfo>, requests: NodeRequests, info: NodeInfo, pingTimeoutMs: number): Promise<Lease<NodeInfo>> {
  // Twice: an entry that lapses between the claim and the takeover makes the first round find nobody to take over from.
  for (let attempt = 0; attempt < 2; attempt++) {
    const claim = await leases.claim(info.nodeId, info);
    if (claim.won) return claim.lease;
    if (!claim.holder) continue;
    await refuseIfAlive(link, requests, info.nodeId, claim.holder, pingTimeoutMs);
    const taken = await leases.takeOver(info.nodeId, info, claim.holder);
    if (taken) return taken;
  }
  throw new DuplicateNodeIdError(`PRISM_NODE_ID ${info.nodeId} is being claimed by another node starting at the same moment; give each node its own id`);
}

async function refuseIfAlive(link: NatsLink, requests: NodeRequests, nodeId: string, holder: LeaseHolder<NodeInfo>, pingTimeoutMs: number): Promise<void> {
  let answer: PingAnswer;
  try {
    answer = await requests.ask<PingAnswer>(nodeId, "ping", null, { timeoutMs: pingTimeoutMs });
  } catch (err) {
    // Nobody answers: the entry is a crashed node's, not yet lapsed.
    if (err instanceof ClusterUnavailableError && link.isUp()) return;
    throw err;
  }
  throw new DuplicateNodeIdError(
    `PRISM_NODE_ID ${nodeId} is already used by a running node (started ${answer.startedAt}, ${answer.httpUrl || holder.value.httpUrl}); give each node its own id`,
  );
}
