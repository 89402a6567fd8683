import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_TALLY } from "../../src/core/destination-tally.js";
import { ClusterRelayView, HealthMirror, takeSnapshots, type PlatformHealthView, type RelayHealthReader } from "../../src/cluster/health-mirror.js";
import { Leases } from "../../src/cluster/leases.js";
import { NatsLink } from "../../src/cluster/nats.js";
import type { StreamLease } from "../../src/cluster/ownership.js";
import type { IngestHealth, InputId } from "../../src/relay/hub.js";
import type { InputHealth } from "../../src/relay/ingest/input-meter.js";
import type { OutputHealth } from "../../src/relay/output.js";
import type { DestinationTranscode } from "../../src/relay/transcode/transcoding.js";
import { startNats, type TestNats } from "../support/nats.js";

/**
 * The relay's health figures as plain data, standing in for a relay with a live publisher: the mirror copies
 * whatever the relay reports, and the cluster e2e test covers it with a real publisher and real receivers.
 */
class RelayFigures implements RelayHealthReader {
  readonly live = new Map<string, { name: string; outputs: Map<string, { name: string; health: OutputHealth }>; transcodes: Map<string, DestinationTranscode> }>();
  isLive(streamId: string) {
    return this.live.has(streamId);
  }
  ingestHealth(streamId: string) {
    return this.live.has(streamId) ? ingest : null;
  }
  outputHealth(streamId: string, destinationId: string) {
    return this.live.get(streamId)?.outputs.get(destinationId)?.health;
  }
  destinationTranscode(streamId: string, destinationId: string) {
    return this.live.get(streamId)?.transcodes.get(destinationId);
  }
  liveStreams() {
    return [...this.live].map(([id, s]) => ({ id, name: s.name, ingest: hub, outputs: [...s.outputs].map(([did, o]) => ({ id: did, name: o.name, health: o.health })) }));
  }
  ingestSource(streamId: string) {
    return this.live.has(streamId) ? { source: "publisher" as const, slateUntil: null, warnings: [] } : null;
  }
}

const hub: IngestHealth = { bitrateKbps: 6000, fps: 30, videoCodec: "H264", audioCodec: "AAC", width: 1920, height: 1080, uptimeMs: 12_000 };
const input: InputHealth = { connected: true, bitrateKbps: 6000, fps: 30, codecs: { video: "H264", audio: "AAC" }, size: { width: 1920, height: 1080 }, lastMediaAt: "2026-12-06T09:00:00.000Z" };
const ingest: IngestHealth & Record<InputId, InputHealth> = { ...hub, primary: input, backup: { ...input, connected: false, bitrateKbps: 0, fps: 0, lastMediaAt: null } };
const twitchHealth: OutputHealth = { ...EMPTY_TALLY, state: "live", bitrateKbps: 5980, bytesOut: 9_000_000, fps: 30, nextRetryAt: null, uptimeMs: 11_000, queuedBytes: 0 };
const measuring: DestinationTranscode = { mode: "measuring", warnings: ["The ingest is being measured"] };
const chat: PlatformHealthView = { chat: { state: "live" }, quota: null, viewers: { count: 42, at: "2026-12-06T09:00:00.000Z" } };

let nats: TestNats;
let linkA: NatsLink;
let linkB: NatsLink;
let clock = 1_000_000;
const mirrors: HealthMirror[] = [];

beforeAll(async () => {
  nats = await startNats();
  linkA = await NatsLink.connect({ url: nats.url, nodeId: "node-a", reconnectWaitMs: 100 });
  linkB = await NatsLink.connect({ url: nats.url, nodeId: "node-b", reconnectWaitMs: 100 });
});

afterEach(() => {
  for (const m of mirrors.splice(0)) m.stop();
});

afterAll(async () => {
  await linkA?.close();
  await linkB?.close();
  await nats?.dispose();
});

function mirror(link: NatsLink, nodeId: string, onChange?: (streamId: string, snapshot: unknown) => void): HealthMirror {
  const m = new HealthMirror(link, nodeId, { maxAgeMs: 3_000, now: () => clock, ...(onChange ? { onChange } : {}) });
  mirrors.push(m);
  return m;
}

/** A's messages so far have reached B: the server answers A's PING after routing what A sent before it, and B's after that. */
async function delivered(): Promise<void> {
  await linkA.nc.flush();
  await linkB.nc.flush();
}

function ownerWithOneStream() {
  const relayA = new RelayFigures();
  relayA.live.set("s1", { name: "Main show", outputs: new Map([["d-twitch", { name: "Twitch", health: twitchHealth }]]), transcodes: new Map([["d-youtube", measuring]]) });
  const extras = {
    destinationIds: () => ["d-twitch", "d-youtube"],
    platformHealth: (_s: string, d: string) => (d === "d-twitch" ? chat : null),
    viewersTotal: () => ({ count: 42, at: "2026-12-06T09:00:00.000Z" }),
  };
  return { relayA, extras, take: () => takeSnapshots(relayA, extras) };
}

describe("health of a stream live on another node", () => {
  it("answers every node's health reads from the owner's snapshot, as the owner's relay would", async () => {
    const { relayA, extras, take } = ownerWithOneStream();
    const a = mirror(linkA, "node-a");
    const b = mirror(linkB, "node-b");
    await linkB.nc.flush();
    const viewA = new ClusterRelayView(relayA, a, extras);
    const viewB = new ClusterRelayView(new RelayFigures(), b);
    expect(viewB.isLive("s1")).toBe(false);

    a.publishNow(take);
    await delivered();
    for (const view of [viewA, viewB]) {
      expect(view.isLive("s1")).toBe(true);
      expect(view.ingestHealth("s1")).toEqual(ingest);
      expect(view.ingestSource("s1")).toEqual({ source: "publisher", slateUntil: null, warnings: [] });
      expect(view.outputHealth("s1", "d-twitch")).toEqual(twitchHealth);
      expect(view.outputHealth("s1", "d-youtube")).toBeUndefined();
      expect(view.destinationTranscode("s1", "d-youtube")).toEqual(measuring);
      expect(view.destinationTranscode("s1", "d-twitch")).toBeUndefined();
      expect(view.platformHealth("s1", "d-twitch")).toEqual(chat);
      expect(view.viewersTotal("s1")).toEqual({ count: 42, at: "2026-12-06T09:00:00.000Z" });
      expect(view.liveStreams()).toEqual([{ id: "s1", name: "Main show", ingest: hub, outputs: [{ id: "d-twitch", name: "Twitch", health: twitchHealth }] }]);
    }
    // The owner never mirrors itself.
    expect(a.latest("s1")).toBeNull();
  });

  it("forgets a snapshot older than maxAgeMs (a dead owner), and takes the next one", async () => {
    const { take } = ownerWithOneStream();
    const a = mirror(linkA, "node-a");
    const b = mirror(linkB, "node-b");
    await linkB.nc.flush();
    a.publishNow(take);
    await delivered();
    clock += 3_000;
    expect(b.latest("s1")).not.toBeNull();
    clock += 1;
    expect(b.latest("s1")).toBeNull();
    expect(new ClusterRelayView(new RelayFigures(), b).isLive("s1")).toBe(false);
    a.publishNow(take);
    await delivered();
    expect(b.latest("s1")?.name).toBe("Main show");
  });

  it("forgets at once a stream that ended on its owner, or whose lease is gone", async () => {
    const { relayA, take } = ownerWithOneStream();
    relayA.live.set("s2", { name: "Second", outputs: new Map(), transcodes: new Map() });
    const a = mirror(linkA, "node-a");
    const b = mirror(linkB, "node-b");
    await linkB.nc.flush();
    a.publishNow(take);
    await delivered();
    expect(b.all().map((s) => [s.streamId, s.nodeId])).toEqual([
      ["s1", "node-a"],
      ["s2", "node-a"],
    ]);
    relayA.live.delete("s1");
    a.publishNow(take);
    await delivered();
    expect(b.latest("s1")).toBeNull();
    expect(b.latest("s2")?.name).toBe("Second");
    b.forget("s2");
    expect(b.all()).toEqual([]);
  });

  it("forgets a snapshot as soon as the stream's lease is released or taken over by another node", async () => {
    const { take } = ownerWithOneStream();
    const leasesA = await Leases.open<StreamLease>(linkA, { bucket: "test_health_leases", ttlMs: 10_000 });
    const leasesB = await Leases.open<StreamLease>(linkB, { bucket: "test_health_leases", ttlMs: 10_000 });
    const changes: Array<[string, boolean]> = [];
    let changed: () => void = () => {};
    const a = mirror(linkA, "node-a");
    const b = mirror(linkB, "node-b", (streamId, snapshot) => {
      changes.push([streamId, snapshot !== null]);
      changed();
    });
    const next = () => new Promise<void>((resolve) => (changed = resolve));
    await b.followLeases(leasesB);
    await linkB.nc.flush();

    const claim = await leasesA.claim("s1", { nodeId: "node-a", sessionId: "sess-1", epoch: 1 });
    if (!claim.won) throw new Error("the lease on s1 is taken");
    let arrived = next();
    a.publishNow(take);
    await arrived;
    let forgotten = next();
    await claim.lease.release();
    await forgotten;
    expect(b.latest("s1")).toBeNull();

    // Taken over by node c: node a's last snapshot no longer describes the stream.
    const again = await leasesA.claim("s1", { nodeId: "node-a", sessionId: "sess-1", epoch: 1 });
    if (!again.won) throw new Error("the lease on s1 is taken");
    arrived = next();
    a.publishNow(take);
    await arrived;
    forgotten = next();
    expect(await leasesA.takeOver("s1", { nodeId: "node-c", sessionId: "sess-1", epoch: 2 }, (await leasesA.holder("s1"))!)).not.toBeNull();
    await forgotten;
    expect(b.latest("s1")).toBeNull();
    expect(changes).toEqual([
      ["s1", true],
      ["s1", false],
      ["s1", true],
      ["s1", false],
    ]);
  });

  it("drops snapshots while NATS is down and mirrors again once it is back", async () => {
    const { take } = ownerWithOneStream();
    const a = mirror(linkA, "node-a");
    const b = mirror(linkB, "node-b");
    await linkB.nc.flush();
    await nats.stop();
    await Promise.all([linkA.when(false), linkB.when(false)]);
    a.publishNow(take); // dropped, not queued, and no throw
    await nats.start();
    await Promise.all([linkA.when(true), linkB.when(true)]);
    await delivered();
    expect(b.latest("s1")).toBeNull();
    a.publishNow(take);
    await delivered();
    expect(b.latest("s1")?.name).toBe("Main show");
  });
});
