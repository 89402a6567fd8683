import type { ClusterSettings } from "../config.js";
import type { Logger } from "../log.js";
import { NodeRequests } from "./forward.js";
import { Leases } from "./leases.js";
import { NatsLink } from "./nats.js";
import { NodeRegistry, type NodeInfo, type NodeRegistryOptions } from "./nodes.js";
import type { StreamLease } from "./ownership.js";
import { buckets } from "./subjects.js";

export { ClusterUnavailableError, NatsLink } from "./nats.js";
export { Leases, Lease, LeaseLostError, type ClaimResult, type LeaseHolder } from "./leases.js";
export { NodeRegistry, DuplicateNodeIdError, type NodeInfo, type NodeLoad } from "./nodes.js";
export { NodeRequests, RemoteCommandError, StreamFeed } from "./forward.js";
export { HttpForwarder, HttpForwardError, type HttpRequest, type HttpResponse } from "./http-forward.js";
export { BusBridge, BRIDGED_EVENTS, type BusBridgeCounters, type BusBridgeOptions } from "./bridge.js";
export { HealthMirror, ClusterRelayView, takeSnapshots, type StreamHealthSnapshot, type RelayHealthReader, type SnapshotExtras, type PlatformHealthView, type HealthMirrorOptions } from "./health-mirror.js";
export { ChatRelay, type ChatHistory, type ChatRelayOptions } from "./chat-relay.js";
export { StreamOwnership, type OwnershipClaim, type StreamLease, type StreamOwnershipOptions } from "./ownership.js";

/** The value of a cluster-wide chore's lease (prism_maint). */
export interface ChoreLease {
  nodeId: string;
}

/** This node's place in the cluster, for the composition root to inject where each part is needed. */
export interface Cluster {
  nodeId: string;
  link: NatsLink;
  nodes: NodeRegistry;
  requests: NodeRequests;
  streams: Leases<StreamLease>;
  chores: Leases<ChoreLease>;
  /** Leaves the registry (the id is free at once) and closes the NATS connection. */
  leave(): Promise<void>;
}

/**
 * Connects to NATS, joins the node registry (refused if another live node has this id) and opens the lease
 * buckets. Nothing of NATS is loaded before this is called.
 */
export async function joinCluster(
  settings: Pick<ClusterSettings, "natsUrl" | "nodeId" | "leaseMs">,
  node: Omit<NodeInfo, "nodeId">,
  options: { log?: Logger | undefined } & Pick<NodeRegistryOptions, "onLost"> = {},
): Promise<Cluster> {
  const link = await NatsLink.connect({ url: settings.natsUrl, nodeId: settings.nodeId, log: options.log });
  let nodes: NodeRegistry | undefined;
  try {
    nodes = await NodeRegistry.join(link, { ...node, nodeId: settings.nodeId }, { log: options.log, onLost: options.onLost });
    const streams = await Leases.open<StreamLease>(link, { bucket: buckets.streams, ttlMs: settings.leaseMs });
    const chores = await Leases.open<ChoreLease>(link, { bucket: buckets.maintenance, ttlMs: settings.leaseMs });
    const joined = nodes;
    return {
      nodeId: settings.nodeId,
      link,
      nodes: joined,
      requests: new NodeRequests(link, settings.nodeId),
      streams,
      chores,
      async leave() {
        await joined.leave().catch(() => undefined);
        await link.close();
      },
    };
  } catch (err) {
    await nodes?.leave().catch(() => undefined);
    await link.close();
    throw err;
  }
}
