import { readFileSync } from "node:fs";
import type { ClusterSettings } from "./config.js";
import type { EventBus } from "./bus.js";
import type { Logger } from "./log.js";
import type { OwnershipAnswer, Relay, RelayOwnership } from "./relay/relay.js";
import type { ChatCluster } from "./comments/index.js";
// Types only: a single Prism never loads the cluster's modules (joinAsMember imports them when it runs).
import type { Cluster, ClusterRelayView, NodeInfo, NodeLoad, SnapshotExtras, StreamOwnership } from "./cluster/index.js";

type UnavailableError = typeof import("./cluster/index.js").ClusterUnavailableError;
type ChatRelayClass = typeof import("./cluster/index.js").ChatRelay;
type HttpRequest = import("./cluster/index.js").HttpRequest;
type HttpResponse = import("./cluster/index.js").HttpResponse;

/** What the API's router asks of the cluster (the shape of api/cluster-routing.ts's StreamRouter). */
export interface StreamRouting {
  nodeId: string;
  ownerOf(streamId: string): Promise<string | null>;
  forward(nodeId: string, request: HttpRequest): Promise<HttpResponse>;
  hasFreshHealth(streamId: string): boolean;
}

/** A node as GET /api/v1/cluster lists it: its registry entry and the streams it owns. */
export interface ClusterNode extends Omit<NodeInfo, "load"> {
  load: NodeLoad;
  streams: string[];
}

export interface ClusterOverview {
  /** The node that answered. */
  nodeId: string;
  /** false for a single Prism (no PRISM_NATS_URL): the one node is itself. */
  clustered: boolean;
  nodes: ClusterNode[];
}

/** What GET /api/v1/cluster reads: the node registry and the stream leases in a cluster, this process alone otherwise. */
export interface ClusterView {
  overview(): Promise<ClusterOverview>;
}

/** The overview cannot be read: this node lost NATS. */
export class ClusterViewUnavailable extends Error {}

export const PRISM_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const NATS_DOWN = "Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds.";
const LOAD_EVERY_MS = 5_000;

/** What a node tells the cluster about its work, read from the relay. */
export function nodeLoad(relay: Pick<Relay, "liveStreams">, cpu: CpuMeter): NodeLoad {
  const live = relay.liveStreams();
  return {
    cpu: cpu.percent(),
    streams: live.length,
    outputs: live.reduce((n, s) => n + s.outputs.length, 0),
    bitrateKbps: live.reduce((n, s) => n + s.ingest.bitrateKbps, 0),
  };
}

/** This process's CPU use since the last reading, in % of one core. */
export class CpuMeter {
  private last = { usage: process.cpuUsage(), at: process.hrtime.bigint() };

  percent(): number {
    const now = { usage: process.cpuUsage(), at: process.hrtime.bigint() };
    const usedUs = now.usage.user - this.last.usage.user + (now.usage.system - this.last.usage.system);
    const wallUs = Number(now.at - this.last.at) / 1000;
    this.last = now;
    return wallUs > 0 ? Math.round((usedUs / wallUs) * 1000) / 10 : 0;
  }
}

/** GET /cluster on a single Prism: this process is the only node. */
export function singleNodeView(self: () => Omit<ClusterNode, "load" | "streams">, relay: Pick<Relay, "liveStreams">): ClusterView {
  const cpu = new CpuMeter();
  return {
    overview: async () => {
      const node = self();
      return { nodeId: node.nodeId, clustered: false, nodes: [{ ...node, load: nodeLoad(relay, cpu), streams: relay.liveStreams().map((s) => s.id) }] };
    },
  };
}

/** This Prism as one node of a cluster: the parts service.ts hands to the relay, the API and the bus. */
export interface ClusterMember {
  nodeId: string;
  /** For the relay's options: streams go live here only once this node owns them. */
  ownership: RelayOwnership;
  /** Once the relay exists: publishes its streams' health, answers for other nodes' streams, reports load. */
  attach(relay: Relay, extras: SnapshotExtras): ClusterRelayView;
  /** Once the node listens: its addresses in the registry. */
  announce(urls: { httpUrl: string; rtmpUrl: string }): Promise<void>;
  /**
   * Once the API exists: how requests only a live stream's owner can serve (chat commands, live clips,
   * thumbnails…) reach that node over NATS; `answer` runs those other nodes send here.
   */
  routeRequests(answer: (request: HttpRequest) => Promise<HttpResponse>): StreamRouting;
  /** The node drains (SIGTERM): the registry says so, for GET /cluster and the other nodes. */
  markDraining(): Promise<void>;
  /** For the comments feed: chat read on the owner reaches subscribers on every node; pushed chat reaches the owner. */
  chat: ChatCluster;
  view: ClusterView;
  /** The session (if any) this node continues after taking its stream over from a node that died. */
  takenOver(sessionId: string): SessionTakeover | undefined;
  /** Whether another live node owns the stream now (holds its lease): the start-up repair leaves its session alone. */
  liveElsewhere(streamId: string): Promise<boolean>;
  /** After the relay stopped (its leases released): leaves the registry and closes NATS. */
  leave(): Promise<void>;
}

/** A session this node goes on with: its stream's dead owner and when this node took over. */
export interface SessionTakeover {
  fromNode: string;
  at: number;
}

/** The sessions of the streams this node took over, while it owns them (a handful at most: one per live stream). */
class TakeoverLog {
  private readonly byStream = new Map<string, SessionTakeover & { sessionId: string }>();

  noted(streamId: string, sessionId: string, fromNode: string): void {
    this.byStream.set(streamId, { sessionId, fromNode, at: Date.now() });
  }

  released(streamId: string): void {
    this.byStream.delete(streamId);
  }

  of(sessionId: string): SessionTakeover | undefined {
    for (const t of this.byStream.values()) if (t.sessionId === sessionId) return { fromNode: t.fromNode, at: t.at };
    return undefined;
  }
}

/** Whether a node other than `self` holds the stream's lease now. */
async function ownedElsewhere(ownership: StreamOwnership, self: string, streamId: string): Promise<boolean> {
  const owner = await ownership.ownerOf(streamId);
  return owner !== null && owner.nodeId !== self;
}

/**
 * Joins the cluster (refused with DuplicateNodeIdError when a live node has this PRISM_NODE_ID) and builds what
 * makes this process one node among several: stream ownership, the bus bridge, the health mirror.
 */
export async function joinAsMember(settings: ClusterSettings, deps: { bus: EventBus; log: Logger; claimTimeoutMs: number }): Promise<ClusterMember> {
  const { bus, log } = deps;
  const { BusBridge, ChatRelay, ClusterRelayView, ClusterUnavailableError, HealthMirror, HttpForwarder, joinCluster, StreamOwnership, takeSnapshots } = await import("./cluster/index.js");
  const startedAt = new Date().toISOString();
  const cluster = await joinCluster(
    settings,
    { version: PRISM_VERSION, httpUrl: "", rtmpUrl: "", startedAt, draining: false, load: { cpu: 0, streams: 0, outputs: 0, bitrateKbps: 0 } },
    { log, onLost: (err) => log.error({ err }, "another process now runs as this node; give each node its own PRISM_NODE_ID") },
  );
  let relay: Relay | undefined;
  const ownership = new StreamOwnership(cluster.link, cluster.nodeId, cluster.streams, cluster.requests, {
    onLost: (streamId, err) => {
      log.error({ err, streamId }, "another node took over a stream this node was relaying (its lease was lost); ending it here");
      relay?.disown(streamId, "another node took this stream over (this node lost its cluster lease)");
    },
    onRenewError: (streamId, err) => log.warn({ err, streamId }, "could not renew a stream's cluster lease; retrying"),
    // OBS reconnected through the load balancer and landed elsewhere: the stream moves there unless it still publishes here.
    yieldTo: (streamId, nodeId) => relay?.yieldIfNoEncoder(streamId, `its publisher reconnected to node ${nodeId}`) ?? false,
  });
  const bridge = new BusBridge(cluster.link, cluster.nodeId, bus, { log });
  const mirror = new HealthMirror(cluster.link, cluster.nodeId, { onBadMessage: (subject, err) => log.warn({ err, subject }, "a health snapshot was not usable") });
  try {
    await mirror.followLeases(cluster.streams);
  } catch (err) {
    bridge.stop();
    mirror.stop();
    await cluster.leave();
    throw err;
  }
  // One meter per reader: each reading starts the next window, so the load timer and GET /cluster must not share one.
  const cpu = new CpuMeter();
  const overviewCpu = new CpuMeter();
  let loadTimer: NodeJS.Timeout | undefined;
  let stopRouting = (): void => undefined;
  const takeovers = new TakeoverLog();
  log.info({ nodeId: cluster.nodeId }, "joined the cluster");

  return {
    nodeId: cluster.nodeId,
    ownership: relayOwnership(ownership, deps.claimTimeoutMs, log, ClusterUnavailableError, takeovers),
    attach(local, extras) {
      relay = local;
      mirror.publishFrom(() => takeSnapshots(local, extras));
      loadTimer = setInterval(() => {
        if (cluster.link.isUp()) cluster.nodes.update({ load: nodeLoad(local, cpu) }).catch((err: unknown) => log.warn({ err }, "could not update this node's load in the cluster"));
      }, LOAD_EVERY_MS);
      loadTimer.unref();
      return new ClusterRelayView(local, mirror, extras);
    },
    announce: (urls) => cluster.nodes.update(urls),
    routeRequests(answer) {
      const forwarder = new HttpForwarder(cluster.link, cluster.requests);
      stopRouting = forwarder.serve(answer);
      return {
        nodeId: cluster.nodeId,
        ownerOf: async (streamId) => {
          if (ownership.owned().includes(streamId)) return cluster.nodeId;
          // At once while NATS is down, rather than after the key-value store's timeout.
          cluster.link.requireUp(`tell which node stream ${streamId} is live on`);
          return (await ownership.ownerOf(streamId))?.nodeId ?? null;
        },
        forward: (nodeId, request) => forwarder.forward(nodeId, request),
        hasFreshHealth: (streamId) => mirror.latest(streamId) !== null,
      };
    },
    markDraining: () => cluster.nodes.update({ draining: true }),
    takenOver: (sessionId) => takeovers.of(sessionId),
    liveElsewhere: (streamId) => ownedElsewhere(ownership, cluster.nodeId, streamId),
    chat: chatAcrossNodes(cluster, log, ChatRelay),
    view: { overview: () => overview(cluster, () => (relay ? nodeLoad(relay, overviewCpu) : undefined), ClusterUnavailableError) },
    async leave() {
      clearInterval(loadTimer);
      stopRouting();
      ownership.stop();
      mirror.stop();
      bridge.stop();
      await cluster.leave();
      log.info({ nodeId: cluster.nodeId }, "left the cluster");
    },
  };
}

/** The chat feed across nodes over NATS: what each node's feed publishes is heard on the others, by their own followers. */
function chatAcrossNodes(cluster: Cluster, log: Logger, ChatRelay: ChatRelayClass): ChatCluster {
  return new ChatRelay(cluster.link, { origin: cluster.nodeId, onError: (what, err) => log.warn({ err }, `${what}: not carried between nodes`) });
}

/** The cluster's StreamOwnership as the relay asks it: refusals in words, NATS trouble as "unavailable", never a throw. */
function relayOwnership(ownership: StreamOwnership, claimTimeoutMs: number, log: Logger, ClusterUnavailableError: UnavailableError, takeovers: TakeoverLog): RelayOwnership {
  return {
    claimTimeoutMs,
    async claim(streamId, sessionId, signal): Promise<OwnershipAnswer> {
      try {
        const claim = await ownership.claim(streamId, sessionId, signal);
        if (!claim.ok) return { ok: false, liveElsewhere: true };
        const from = claim.takenOverFrom;
        if (!from) return { ok: true };
        // The dead owner's session goes on here: one session (and report) across the takeover.
        log.warn({ streamId, from: from.nodeId, sessionId: from.sessionId }, "took the stream over from a node that stopped answering");
        takeovers.noted(streamId, from.sessionId, from.nodeId);
        return { ok: true, sessionId: from.sessionId };
      } catch (err) {
        if (err instanceof ClusterUnavailableError) return { ok: false, unavailable: NATS_DOWN };
        if (signal.aborted) return { ok: false, unavailable: "The node that had this stream stopped answering and its claim has not lapsed yet; try again in a few seconds." };
        throw err;
      }
    },
    release: (streamId) => {
      takeovers.released(streamId);
      return ownership.release(streamId);
    },
  };
}

/** Every live node with the streams it owns (from the stream leases); this node's load read now. */
async function overview(cluster: Cluster, ownLoad: () => NodeLoad | undefined, ClusterUnavailableError: UnavailableError): Promise<ClusterOverview> {
  if (!cluster.link.isUp()) throw new ClusterViewUnavailable(NATS_DOWN);
  try {
    const [nodes, streamIds] = await Promise.all([cluster.nodes.list(), cluster.streams.keys()]);
    const holders = await Promise.all(streamIds.map(async (id) => ({ id, holder: await cluster.streams.holder(id) })));
    const owned = new Map<string, string[]>();
    for (const { id, holder } of holders) if (holder) owned.set(holder.value.nodeId, [...(owned.get(holder.value.nodeId) ?? []), id]);
    return {
      nodeId: cluster.nodeId,
      clustered: true,
      nodes: nodes.map(({ nodeId, version, httpUrl, rtmpUrl, startedAt, draining, load }) => ({
        nodeId,
        version,
        httpUrl,
        rtmpUrl,
        startedAt,
        draining,
        load: (nodeId === cluster.nodeId ? ownLoad() : undefined) ?? load,
        streams: (owned.get(nodeId) ?? []).sort(),
      })),
    };
  } catch (err) {
    if (!cluster.link.isUp() || err instanceof ClusterUnavailableError) throw new ClusterViewUnavailable(NATS_DOWN);
    throw err;
  }
}
