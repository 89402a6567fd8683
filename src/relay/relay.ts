import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import type { EventBus } from "../bus.js";
import { RtmpIngest, type IngestPorts } from "./ingest/rtmp-ingest.js";
import { DECISION_FAILED_REASON, type IngestConnection, type IngestSink, type PublishDecision, type PublishRequest } from "./ingest/connection.js";
import { isPromise, type MaybePromise } from "../core/maybe-promise.js";
import { FramePool } from "./frame-pool.js";
import { StreamHub, type HubSource, type IngestHealth, type InputId } from "./hub.js";
import { InputMeter, type InputHealth } from "./ingest/input-meter.js";
import { formatMismatch } from "./ingest/format-mismatch.js";
import { IngestClock } from "./ingest/clock.js";
import { StallWatch } from "./ingest/stall-watch.js";
import { SlateHold, type SlateSettings } from "./slate-hold.js";
import { RefusalLimiter } from "./ingest/refusal-limiter.js";
import { HandoffSink } from "./ingest/handoff.js";
import { hostPort } from "../net/addresses.js";
import { DestinationOutput, type OutputHealth, type OutputOptions, type OutputTarget } from "./output.js";
import { StreamTranscoding, type DestinationTranscode } from "./transcode/transcoding.js";
import type { TranscodeSetting } from "../core/transcode-setting.js";
import type { PlatformRules } from "./transcode/plan.js";

/** A destination as the relay runs it: where to push, and what its platform gets (copy or a transcode). */
export interface RelayTarget extends OutputTarget {
  /** A platform id of the destinations registry. */
  platform: string;
  transcode: TranscodeSetting;
}

/** The stream a key publishes to, and whether it is the stream's primary or backup key. */
export interface KeyedStream {
  id: string;
  name: string;
  slate: SlateSettings;
  input: InputId;
}

/**
 * What the relay needs to know about configuration; the database answers it. SQLite answers at once and is used
 * on the spot; a networked store (PostgreSQL) answers with a promise, which the relay waits for, bounded.
 */
export interface RelayConfigSource {
  streamByKey(streamKey: string): MaybePromise<KeyedStream | undefined>;
  enabledTargets(streamId: string): MaybePromise<RelayTarget[]>;
  /** The stream's slate settings now (read again when they change while it is live). */
  slateOf?(streamId: string): MaybePromise<SlateSettings | undefined>;
}

export interface RelayOptions {
  host: string;
  port: number;
  /** The RTMP application OBS publishes to: rtmp://host:port/<app>/<key>. */
  app: string;
  output: OutputOptions;
  /** Also accept publishes over RTMPS. */
  tls?: { port: number; cert: string; key: string } | undefined;
  ingest: IngestGuards;
  /** What each platform accepts, for transcoding plans and warnings. */
  platformRules(platform: string): PlatformRules;
  /** Set when this Prism is one node of a cluster: a stream goes live here only once this node owns it. */
  ownership?: RelayOwnership | undefined;
  /** Why new publishes are refused right now (the node drains before it stops), or undefined while they are taken. */
  publishRefusal?: (() => string | undefined) | undefined;
}

/**
 * The answer to a claim: this node owns the stream now, another live node does, or nobody can tell now. `sessionId`:
 * the stream was taken over from a node that died mid-session, and goes on here as that session.
 */
export type OwnershipAnswer = { ok: true; sessionId?: string } | { ok: false; liveElsewhere: true } | { ok: false; unavailable: string };

/**
 * Who owns each live stream across a cluster (service.ts adapts the cluster's leases to it). A publish for a stream
 * not live here claims it first; the stream's end releases it. Absent on a single node: nothing is claimed.
 */
export interface RelayOwnership {
  /** Claims `streamId` for a session starting here; may wait (until `signal` aborts) while a dead owner's lease lapses. */
  claim(streamId: string, sessionId: string, signal: AbortSignal): Promise<OwnershipAnswer>;
  /** The stream stopped being live here: any node may claim it now. */
  release(streamId: string): void | Promise<void>;
  /** How long a publish may wait for its claim before it is refused (below the ingest's handshake timeout). */
  claimTimeoutMs: number;
}

/** A claim in flight, shared by every publish of the stream arriving meanwhile (primary and backup at once). */
interface PendingClaim {
  answer: Promise<OwnershipAnswer>;
  sessionId: string;
  waiters: number;
}

export interface IngestGuards {
  /** A connection must be publishing within this time. */
  handshakeTimeoutMs: number;
  /** Refused publishes (wrong key or app) one address may make per minute before it is blocked. */
  failedPublishesPerMinute: number;
  blockSeconds: number;
  /** A connected publisher silent this long counts as lost (PRISM_INGEST_STALL_MS). */
  stallMs: number;
  /** Bytes of unfinished messages one connection may hold (also the largest message). */
  maxPendingBytes: number;
  /** Chunk streams one connection may use. */
  maxChunkStreams: number;
  /** With the backup on air, the primary must publish this long without a drop or stall before it is switched back to. */
  primarySteadyMs: number;
}

/** What destinations get, as health tells it: a HubSource, or "stalled" while the publisher is connected but silent. */
export type IngestState = HubSource | "stalled";

/** Why the publisher was lost: its connection dropped, or it is connected but sends nothing. */
export type IngestLossCause = "disconnected" | "stalled";

export interface LiveStreamSnapshot {
  id: string;
  name: string;
  ingest: IngestHealth;
  outputs: Array<{ id: string; name: string; health: OutputHealth }>;
}

/** An encoder publishing to a stream (with its primary or its backup key). */
interface InputSlot {
  connection: IngestConnection;
  /** Notices the encoder going silent while connected. */
  stall: StallWatch;
  /** Prism's own media player (a file played as live): a publisher on the same key takes over from it. */
  media: boolean;
}

interface LiveStream {
  id: string;
  /** This broadcast session: from the first publish to the end, across drops and the slate. */
  sessionId: string;
  name: string;
  hub: StreamHub;
  /** The encoders publishing now; null where none is (a lost one, or a backup never started). */
  inputs: Record<InputId, InputSlot | null>;
  /** Each encoder's own figures for health, whether on air or not. */
  meters: Record<InputId, InputMeter>;
  /** While the backup is on air: switches back to the primary once it has been steady long enough. */
  steady: NodeJS.Timeout | null;
  outputs: Map<string, DestinationOutput>;
  /** Measures the ingest and runs the ffmpegs of destinations that do not take a copy. */
  transcoding: StreamTranscoding;
  slate: SlateHold;
  /** A publisher is taking over from the media player, at its first keyframe. */
  handoff: boolean;
  /** Counts reconciles: an answer from the store is applied only if no newer reconcile was asked meanwhile. */
  targetsGeneration: number;
}

const otherInput = (input: InputId): InputId => (input === "primary" ? "backup" : "primary");
/** A second publisher on a key: refused alike whether the first is on this node or another. */
const alreadyPublishing = (input: InputId): string =>
  input === "primary" ? "This stream is already being published; only one publisher at a time." : "This stream's backup key is already publishing; only one backup encoder at a time.";
const encoderName = (input: InputId) => (input === "primary" ? "the primary encoder" : "the backup encoder");

/**
 * Ingest → hub → outputs for every live stream. It reads configuration through RelayConfigSource,
 * hears about changes on the bus, and reports what happens on the bus.
 */
export class Relay {
  private readonly ingest: RtmpIngest;
  private readonly live = new Map<string, LiveStream>();
  /** Health of the outputs of the last run of each stream, kept after it ends so lastError stays visible. */
  private readonly finished = new Map<string, Map<string, OutputHealth>>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly refusals: RefusalLimiter;
  /** Buffers the hubs' frames are encoded into and given back to, shared by every live stream. */
  private readonly framePool = new FramePool();
  /** Marks the in-process media player's publishes (mediaPublishUrl); never leaves this process. */
  private readonly mediaMark = randomBytes(24).toString("base64url");
  private ports: IngestPorts | null = null;
  /** Cluster only: claims in flight, by stream id. */
  private readonly claiming = new Map<string, PendingClaim>();
  /** Cluster only: releases in flight, awaited by stop() so the node leaves the cluster with nothing held. */
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    private readonly options: RelayOptions,
    private readonly config: RelayConfigSource,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {
    this.refusals = new RefusalLimiter(options.ingest.failedPublishesPerMinute, 60_000, options.ingest.blockSeconds * 1000);
    this.ingest = new RtmpIngest({
      handshakeTimeoutMs: options.ingest.handshakeTimeoutMs,
      maxPendingBytes: options.ingest.maxPendingBytes,
      maxChunkStreams: options.ingest.maxChunkStreams,
      host: options.host,
      port: options.port,
      log: log.child({ component: "ingest" }),
      decide: (req, connection) => this.decide(req, connection),
      tls: options.tls,
    });
  }

  async start(): Promise<IngestPorts> {
    this.unsubscribe.push(
      this.bus.on("config.destinations", ({ streamId }) => this.reconcile(streamId)),
      this.bus.on("config.stream", ({ streamId, change, input }) => {
        const live = this.live.get(streamId);
        if (!live) return;
        if (change === "deleted") this.end(live, "stream deleted");
        if (change === "updated") this.applySlateSettings(live);
        if (change === "key_rotated" && input) this.dropEncoder(live, input, "stream key rotated");
      }),
    );
    this.ports = await this.ingest.listen();
    return this.ports;
  }

  /**
   * Where the media player publishes a file as the stream `streamKey` (loopback, marked as the
   * player): it goes on air exactly like OBS, and OBS publishing the same key takes over from it.
   */
  mediaPublishUrl(streamKey: string): string {
    if (!this.ports) throw new Error("the ingest is not listening yet");
    const host = ["0.0.0.0", "::", ""].includes(this.options.host) ? "127.0.0.1" : this.options.host;
    return `rtmp://${hostPort(host, this.ports.rtmp)}/${this.options.app}/${streamKey}?prism_media=${this.mediaMark}`;
  }

  /** Who publishes the stream's primary input now: an encoder (OBS), Prism's media player, or nobody. */
  publisherOf(streamId: string): "encoder" | "media" | null {
    const slot = this.live.get(streamId)?.inputs.primary;
    return slot ? (slot.media ? "media" : "encoder") : null;
  }

  private isMediaPublish(req: PublishRequest): boolean {
    const mark = Buffer.from(new URLSearchParams(req.query).get("prism_media") ?? "");
    const expected = Buffer.from(this.mediaMark);
    return mark.length === expected.length && timingSafeEqual(mark, expected);
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const stream of [...this.live.values()]) this.end(stream, "server shutting down");
    await this.ingest.close();
    await Promise.all([...this.releasing]);
  }

  /**
   * Another node owns the stream now (this one lost its lease, e.g. cut off from the cluster for longer than it):
   * it ends here, so the stream has one owner.
   */
  disown(streamId: string, reason: string): void {
    const live = this.live.get(streamId);
    if (live) this.end(live, reason);
  }

  /**
   * A publisher for this stream arrived at another node (OBS reconnecting through the load balancer). If no
   * encoder of it is on air here any more (the slate covers, or a stalled encoder is all that is left), the stream
   * ends here so that node can take it: true. While an encoder still publishes here, the newcomer is a second
   * publisher: false.
   */
  yieldIfNoEncoder(streamId: string, reason: string): boolean {
    const live = this.live.get(streamId);
    if (!live) return true;
    const publishing = [live.inputs.primary, live.inputs.backup].some((slot) => slot && !slot.stall.stalled);
    if (publishing) return false;
    this.end(live, reason);
    return true;
  }

  isLive(streamId: string): boolean {
    return this.live.has(streamId);
  }

  /** The broadcast session of a live stream; null when it is not live. */
  sessionOf(streamId: string): string | null {
    return this.live.get(streamId)?.sessionId ?? null;
  }

  /**
   * The live stream's hub, for readers beyond the destinations (recorder, preview). They attach
   * on stream.started (the hub exists by then) and are dropped with the hub at stream.ended.
   */
  hubOf(streamId: string): StreamHub | null {
    return this.live.get(streamId)?.hub ?? null;
  }

  /** What goes on air, and each encoder's own figures. */
  ingestHealth(streamId: string): (IngestHealth & Record<InputId, InputHealth>) | null {
    const live = this.live.get(streamId);
    if (!live) return null;
    return { ...live.hub.health(), primary: live.meters.primary.health(), backup: live.meters.backup.health() };
  }

  /** What the destinations see, until when the slate may run, and what is wrong with the ingest, in words. */
  ingestSource(streamId: string): { source: IngestState; slateUntil: string | null; warnings: string[] } | null {
    const live = this.live.get(streamId);
    if (!live) return null;
    const warnings: string[] = [];
    let source: IngestState = live.hub.currentSource;
    for (const input of ["primary", "backup"] as const) {
      const silentMs = live.inputs[input]?.stall.silentForMs() ?? null;
      if (silentMs === null) continue;
      // On air, or what the slate stands in for: no other encoder carries the stream.
      const onAir = live.hub.target === input || live.hub.target === "slate";
      if (onAir) source = "stalled";
      warnings.push(`${input === "primary" ? "OBS" : "The backup encoder"} is connected but has sent nothing for ${(silentMs / 1000).toFixed(1)} s; ${this.meanwhile(live, input, onAir)}.`);
    }
    const mismatch = formatMismatch(live.meters);
    if (mismatch) warnings.push(mismatch);
    return { source, slateUntil: live.slate.slateUntil, warnings };
  }

  private meanwhile(live: LiveStream, input: InputId, onAir: boolean): string {
    if (!onAir && live.hub.target === otherInput(input)) return `destinations get ${encoderName(otherInput(input))}`;
    if (!onAir && input === "backup") return "it cannot stand in for the primary until it sends again";
    if (live.slate.holding) return "destinations show the slate until it sends again";
    return live.slate.enabled ? "a stream without video has no slate, so destinations get nothing meanwhile" : "the slate is off, so destinations get nothing meanwhile";
  }

  /** Every live stream with its ingest and outputs, e.g. for metrics scrapes. */
  liveStreams(): LiveStreamSnapshot[] {
    return [...this.live.values()].map((l) => ({
      id: l.id,
      name: l.name,
      ingest: l.hub.health(),
      outputs: [...l.outputs.entries()].map(([id, o]) => ({ id, name: o.target.name, health: o.health() })),
    }));
  }

  /** Copy or transcode, ffmpeg's figures, and the platform rules the destination's stream breaks; live streams only. */
  destinationTranscode(streamId: string, destinationId: string): DestinationTranscode | undefined {
    return this.live.get(streamId)?.transcoding.view(destinationId);
  }

  /** Runtime health of a destination: of the live run, or of the last run; undefined if it never ran. */
  outputHealth(streamId: string, destinationId: string): OutputHealth | undefined {
    return this.live.get(streamId)?.outputs.get(destinationId)?.health() ?? this.finished.get(streamId)?.get(destinationId);
  }

  private decide(req: PublishRequest, connection: IngestConnection): MaybePromise<PublishDecision> {
    const peer = req.remoteAddress;
    const blockedMs = this.refusals.blockedFor(peer);
    if (blockedMs > 0) {
      // Logged at debug: a key-guessing run would otherwise write a line per attempt.
      this.log.debug({ peer }, "publish refused: address blocked after too many wrong keys");
      return { accept: false, reason: `Too many publishes with wrong stream keys from your address; try again in ${Math.ceil(blockedMs / 1000)} s.` };
    }
    if (req.app !== this.options.app) {
      this.refusals.refused(peer);
      this.log.warn({ peer, app: req.app }, "publish refused: wrong application in the ingest URL");
      return { accept: false, reason: `Unknown application "${req.app}": publish to rtmp://<host>/${this.options.app}/<stream key>.` };
    }
    // Not counted as a wrong key: the publisher did nothing wrong, and reconnects to another node.
    const refusal = this.options.publishRefusal?.();
    if (refusal) {
      this.log.info({ peer }, "publish refused: this node is draining");
      return { accept: false, reason: refusal };
    }
    const found = this.config.streamByKey(req.streamKey);
    if (!isPromise(found)) return this.decideOwned(req, connection, found);
    return found.then(
      (stream) => this.decideOwned(req, connection, stream),
      (err: unknown) => {
        this.log.error({ err, peer }, "publish refused: the stream key could not be checked (storage failed)");
        return { accept: false, reason: DECISION_FAILED_REASON };
      },
    );
  }

  /**
   * In a cluster, a stream not live here goes live only once this node owns it: the publish waits for the claim
   * (its socket paused), then is decided as on one node. On a single node this is decideFor itself, on the spot.
   */
  private decideOwned(req: PublishRequest, connection: IngestConnection, stream: KeyedStream | undefined): MaybePromise<PublishDecision> {
    const ownership = this.options.ownership;
    if (!ownership || !stream || this.live.has(stream.id)) return this.decideFor(req, connection, stream);
    const pending = this.claimFor(ownership, stream.id);
    pending.waiters += 1;
    const decided = (answer: OwnershipAnswer): PublishDecision => {
      try {
        if (answer.ok) return this.decideFor(req, connection, stream, answer.sessionId ?? pending.sessionId, answer.sessionId !== undefined);
        if ("unavailable" in answer) {
          this.log.warn({ peer: req.remoteAddress, stream: stream.name, reason: answer.unavailable }, "publish refused: the cluster could not say who owns the stream");
          return { accept: false, reason: answer.unavailable };
        }
        this.log.warn({ peer: req.remoteAddress, stream: stream.name, input: stream.input }, "publish refused: the stream is live on another node");
        return { accept: false, reason: alreadyPublishing(stream.input) };
      } finally {
        // The last publish waiting on the claim: a stream that did not go live here (refused, left) is not kept.
        if (--pending.waiters === 0) {
          if (this.claiming.get(stream.id) === pending) this.claiming.delete(stream.id);
          if (answer.ok && !this.live.has(stream.id)) this.releaseOwnership(stream.id);
        }
      }
    };
    return pending.answer.then(decided);
  }

  private claimFor(ownership: RelayOwnership, streamId: string): PendingClaim {
    const existing = this.claiming.get(streamId);
    if (existing) return existing;
    const sessionId = randomUUID();
    const answer = Promise.all([...this.releasing])
      .then(() => ownership.claim(streamId, sessionId, AbortSignal.timeout(ownership.claimTimeoutMs)))
      .catch((err: unknown): OwnershipAnswer => {
        this.log.error({ err, streamId }, "claiming the stream in the cluster failed");
        return { ok: false, unavailable: "Cluster coordination is unavailable (the claim on this stream failed); try again in a few seconds." };
      });
    const pending: PendingClaim = { answer, sessionId, waiters: 0 };
    this.claiming.set(streamId, pending);
    return pending;
  }

  private releaseOwnership(streamId: string): void {
    const ownership = this.options.ownership;
    if (!ownership) return;
    const done: Promise<void> = Promise.resolve()
      .then(() => ownership.release(streamId))
      .catch((err: unknown) => this.log.warn({ err, streamId }, "could not release the stream's cluster lease; it lapses on its own"))
      .finally(() => this.releasing.delete(done));
    this.releasing.add(done);
  }

  /** The decision once the key's stream is known; synchronous, so no other publish can slip in between its checks. */
  private decideFor(req: PublishRequest, connection: IngestConnection, stream: KeyedStream | undefined, sessionId?: string, continued = false): PublishDecision {
    const peer = req.remoteAddress;
    if (!stream) {
      this.refusals.refused(peer);
      if (this.refusals.blockedFor(peer) > 0) this.log.warn({ peer, blockSeconds: this.options.ingest.blockSeconds }, "address blocked: too many publishes with wrong stream keys");
      else this.log.warn({ peer }, "publish refused: unknown stream key");
      return { accept: false, reason: "Unknown stream key." };
    }
    // Left (or timed out) while the store was answering: nothing goes on air for it.
    if (connection.closed) return { accept: false, reason: "The publisher left before its publish was decided." };
    const input = stream.input;
    const current = this.live.get(stream.id);
    const occupied = current?.inputs[input];
    const media = this.isMediaPublish(req);
    if (occupied?.media && !media && current) {
      if (current.handoff) return { accept: false, reason: "Another publisher is already taking this stream over from the file being played; only one publisher at a time." };
      return { accept: true, sink: this.handOver(current, stream, input, connection) };
    }
    if (occupied?.stall.stalled) {
      // OBS restarted after hanging: its old connection may stay open, silent, for a while yet.
      this.log.warn({ peer, stream: stream.name, input }, "a new publish replaces the stalled encoder");
      current!.inputs[input] = null;
      occupied.stall.stop();
      occupied.connection.disconnect("replaced by a new publish");
    } else if (occupied) {
      this.log.warn(
        { peer, stream: stream.name, input },
        input === "primary" ? "publish refused: the stream already has a publisher" : "publish refused: the stream already has a backup encoder",
      );
      return { accept: false, reason: alreadyPublishing(input) };
    }
    const live = current ?? this.begin(stream, sessionId, continued);
    return { accept: true, sink: this.attach(live, input, connection, current === undefined, media) };
  }

  /**
   * A publisher (OBS) on the key the media player publishes: the file stays on air until the
   * publisher's first keyframe, then the publisher replaces the player like a returning encoder
   * (same session, no gap in timestamps) and the player's connection is closed.
   */
  private handOver(live: LiveStream, stream: { id: string; name: string; slate: SlateSettings }, input: InputId, connection: IngestConnection): IngestSink {
    live.handoff = true;
    this.log.info({ stream: live.name, input }, "a publisher is taking over from the file being played, at its first keyframe");
    return new HandoffSink(
      () => {
        live.handoff = false;
        // The file may have ended meanwhile (and with it the session): then this is a new one.
        const existing = this.live.get(stream.id);
        const target = existing ?? this.begin(stream);
        const slot = target.inputs[input];
        if (slot) {
          target.inputs[input] = null;
          slot.stall.stop();
          slot.connection.disconnect("a publisher took over from the file being played");
        }
        this.log.info({ stream: live.name, input }, "the publisher took over from the file being played");
        return this.attach(target, input, connection, existing === undefined);
      },
      (reason) => {
        live.handoff = false;
        this.log.info({ stream: live.name, input, reason }, "the publisher left before its first keyframe; the file plays on");
      },
    );
  }

  /** Connects an encoder as the stream's `input` and decides whether it goes on air. */
  private attach(live: LiveStream, input: InputId, connection: IngestConnection, newStream: boolean, media = false): IngestSink {
    const stall = new StallWatch(this.options.ingest.stallMs, {
      stalled: () => {
        if (live.inputs[input]?.stall === stall) this.inputLost(live, input, `${encoderName(input)} is connected but sent nothing for ${(this.options.ingest.stallMs / 1000).toFixed(1)} s`, "stalled");
      },
      resumed: () => this.inputReady(live, input, false, false),
    });
    live.inputs[input] = { connection, stall, media };
    const meter = live.meters[input];
    meter.connect();
    live.hub.forgetInput(input);
    this.inputReady(live, input, true, newStream);
    const clock = new IngestClock();
    return {
      packet: (packet) => {
        stall.media(packet);
        meter.packet(packet);
        if (live.hub.target === input && live.hub.currentSource === "resuming" && !this.usable(live, input)) this.cannotStandIn(live, input);
        // The packet is this call's own (toMediaPacket makes one per message): re-timed in place, no copy per frame.
        packet.dts = clock.unwrap(packet.dts);
        live.hub.push(packet, input);
      },
      end: (reason, deliberate) => {
        stall.stop();
        if (live.inputs[input]?.connection !== connection) return;
        live.inputs[input] = null;
        meter.connected = false;
        this.inputEnded(live, input, reason, deliberate, stall.stalled);
      },
    };
  }

  /** `continued`: the session was taken over from a node that died mid-broadcast (it goes on here). */
  private begin(stream: { id: string; name: string; slate: SlateSettings }, sessionId: string = randomUUID(), continued = false): LiveStream {
    const hub = new StreamHub(this.framePool);
    const { backoff, queueLimitBytes } = this.options.output;
    const live: LiveStream = {
      id: stream.id,
      sessionId,
      name: stream.name,
      hub,
      inputs: { primary: null, backup: null },
      meters: { primary: new InputMeter(), backup: new InputMeter() },
      steady: null,
      outputs: new Map(),
      transcoding: new StreamTranscoding(hub, { backoff, queueLimitBytes, rulesOf: this.options.platformRules }, this.log.child({ component: "transcode", stream: stream.name })),
      slate: new SlateHold(stream.slate, hub, this.log.child({ component: "slate", stream: stream.name }), (reason) => this.end(live, reason)),
      handoff: false,
      targetsGeneration: 0,
    };
    this.live.set(stream.id, live);
    this.finished.delete(stream.id);
    this.log.info({ stream: stream.name }, "stream started");
    this.bus.emit("stream.started", { streamId: stream.id, sessionId: live.sessionId, name: stream.name, at: new Date().toISOString(), ...(continued && { continued: true as const }) });
    this.reconcile(stream.id);
    return live;
  }

  private holdOnSlate(live: LiveStream, reason: string, cause: IngestLossCause): void {
    const slateUntil = live.slate.hold();
    this.log.warn({ stream: live.name, reason, cause, slateUntil }, "publisher lost; destinations stay connected on the slate");
    this.bus.emit("stream.ingest_lost", { streamId: live.id, sessionId: live.sessionId, name: live.name, at: new Date().toISOString(), reason, cause, slateUntil });
  }

  /** Whether `input` is publishing, not stalled, and could stand in for the stream (pictures for a stream with pictures). */
  private usable(live: LiveStream, input: InputId): boolean {
    const slot = live.inputs[input];
    if (!slot || slot.stall.stalled) return false;
    return !live.hub.hasVideo || live.meters[input].hasVideo !== false;
  }

  /**
   * An encoder is (again) sending: a new connection (`fresh`) or a stalled one sending again. It
   * goes on air if nothing better is; a primary returning while the backup is on air must first
   * stay steady.
   */
  private inputReady(live: LiveStream, input: InputId, fresh: boolean, newStream: boolean): void {
    const target = live.hub.target;
    if (target === "slate") return this.resume(live, input, fresh);
    if (target === input) {
      if (fresh && !newStream) live.hub.switchTo(input, { fresh });
      else if (!fresh) this.log.info({ stream: live.name, input }, "the stalled encoder is sending again");
      return;
    }
    if (!this.usable(live, target)) {
      // The encoder on air is gone or silent without a slate to cover it: take this one now.
      if (newStream && input === "backup") live.hub.switchTo("backup", { fresh });
      else this.switchInputs(live, input, `${encoderName(target)} is not sending`);
      return;
    }
    if (input === "primary") this.awaitSteadyPrimary(live);
  }

  /** The backup is on air and the primary is back: switch back once it has been steady for PRISM_INGEST_PRIMARY_STEADY_SEC. */
  private awaitSteadyPrimary(live: LiveStream): void {
    if (live.steady) clearTimeout(live.steady);
    const steadyMs = this.options.ingest.primarySteadyMs;
    this.log.info({ stream: live.name, steadyMs }, "the primary encoder is back; switching to it once it has been steady");
    live.steady = setTimeout(() => {
      live.steady = null;
      if (live.hub.target === "backup" && this.usable(live, "primary")) this.switchInputs(live, "primary", `the primary encoder was steady for ${steadyMs / 1000} s`);
    }, steadyMs);
    live.steady.unref();
  }

  /** Destinations go to encoder `to` at its next keyframe; the slate (if ready) covers the wait. */
  private switchInputs(live: LiveStream, to: InputId, reason: string): void {
    const from = otherInput(to);
    if (to === "backup" || !live.inputs.backup || live.inputs.backup.stall.stalled) live.slate.bridge();
    live.hub.switchTo(to, { fresh: false });
    this.log.warn({ stream: live.name, from, to, reason }, "switching encoders at the next keyframe");
    this.bus.emit("stream.ingest_switched", { streamId: live.id, sessionId: live.sessionId, name: live.name, at: new Date().toISOString(), from, to, reason });
  }

  /**
   * The hub was switching to an encoder that turns out to send no pictures for a stream with
   * pictures (its keyframe would never come): the slate goes on, with its deadline, instead.
   */
  private cannotStandIn(live: LiveStream, input: InputId): void {
    const reason = `${encoderName(input)} sends no pictures (${live.meters[input].describe() ?? "format unknown"}), so it cannot carry this stream`;
    if (live.slate.enabled) this.holdOnSlate(live, reason, "disconnected");
    else live.hub.showSlate(null);
    this.log.warn({ stream: live.name, input, reason }, "not switching to an encoder without pictures");
  }

  /** An encoder dropped or stalled. Off air that only matters to health; on air the other one or the slate takes over. */
  private inputLost(live: LiveStream, input: InputId, reason: string, cause: IngestLossCause): boolean {
    if (input === "primary" && live.steady) {
      clearTimeout(live.steady);
      live.steady = null;
    }
    if (live.hub.target !== input) {
      this.log.warn({ stream: live.name, input, reason }, "an encoder that is not on air was lost");
      return true;
    }
    const other = otherInput(input);
    if (this.usable(live, other)) {
      this.switchInputs(live, other, reason);
      return true;
    }
    if (live.inputs[other]) this.log.warn({ stream: live.name, other, format: live.meters[other].describe() }, "the other encoder cannot stand in (no pictures, or silent)");
    if (live.slate.enabled && live.hub.hasVideo) {
      this.holdOnSlate(live, reason, cause);
      return true;
    }
    if (cause === "stalled") this.log.warn({ stream: live.name, reason }, "publisher stalled; no slate to show meanwhile");
    return false;
  }

  /** An encoder's connection ended: on purpose (unpublish) or not. The stream ends when nothing can carry it on. */
  private inputEnded(live: LiveStream, input: InputId, reason: string, deliberate: boolean, wasStalled: boolean): void {
    const noneLeft = !live.inputs.primary && !live.inputs.backup;
    if (live.hub.target === "slate") {
      if (noneLeft && deliberate) this.end(live, reason);
      else this.log.info({ stream: live.name, input, reason }, "an encoder's connection closed while the slate is on; the slate goes on");
      return;
    }
    if (wasStalled && live.hub.target !== input) return; // already handled as lost
    if (deliberate && noneLeft) return this.end(live, reason);
    const covered = this.inputLost(live, input, reason, "disconnected");
    if (!covered && (noneLeft || live.hub.target === input)) this.end(live, reason);
  }

  /** `fresh`: a new connection (its encoder may differ); else a stalled one sending again. */
  private resume(live: LiveStream, input: InputId, fresh: boolean): void {
    const wasHolding = live.slate.holding;
    live.hub.switchTo(input, { fresh });
    live.slate.release();
    if (!wasHolding) return; // a stall with no slate to show: nothing was announced as lost
    this.log.info({ stream: live.name, input, fresh }, "encoder back; switching from the slate at its first keyframe");
    this.bus.emit("stream.ingest_resumed", { streamId: live.id, sessionId: live.sessionId, name: live.name, at: new Date().toISOString() });
  }

  /**
   * Brings a live stream's outputs in line with its enabled destinations. A late answer superseded by a newer
   * reconcile (or by the stream's end) is dropped; when the store fails, the outputs stay as the last good answer set them.
   */
  private reconcile(streamId: string): void {
    const live = this.live.get(streamId);
    if (!live) return;
    const generation = ++live.targetsGeneration;
    const kept = (err: unknown) => this.log.error({ err, stream: live.name }, "could not read the stream's destinations; its outputs stay as they are");
    let targets: MaybePromise<RelayTarget[]>;
    try {
      targets = this.config.enabledTargets(streamId);
    } catch (err) {
      return kept(err);
    }
    if (!isPromise(targets)) return this.applyTargets(live, targets);
    const current = () => this.live.get(streamId) === live && live.targetsGeneration === generation;
    targets.then(
      (answer) => {
        if (current()) this.applyTargets(live, answer);
      },
      (err: unknown) => {
        if (current()) kept(err);
      },
    );
  }

  /** Touches only what changed between the running outputs and `targets`. */
  private applyTargets(live: LiveStream, targets: RelayTarget[]): void {
    const wanted = new Map(targets.map((t) => [t.id, t]));
    for (const [id, output] of live.outputs) {
      const target = wanted.get(id);
      if (!target || target.url !== output.target.url || target.streamKey !== output.target.streamKey || live.transcoding.changed(target)) {
        output.stop();
        live.outputs.delete(id);
        live.transcoding.release(id);
      } else if (target.name !== output.target.name) {
        output.target.name = target.name;
      }
    }
    // Destinations still waiting for the ingest to be measured: drop those no longer wanted as they are.
    for (const id of live.transcoding.pending()) {
      const target = wanted.get(id);
      if (!target || live.transcoding.changed(target)) live.transcoding.release(id);
    }
    for (const [id, target] of wanted) {
      if (live.outputs.has(id) || live.transcoding.has(id)) continue;
      // The output reads the stream's hub (copy) or a transcoder's, decided now or once the ingest is measured.
      live.transcoding.route(target, (hub) => this.startOutput(live, target, hub));
    }
  }

  private startOutput(live: LiveStream, target: RelayTarget, hub: StreamHub): void {
    const output = new DestinationOutput(
      target,
      hub,
      this.options.output,
      this.log.child({ component: "output", stream: live.name }),
      (change) =>
        this.bus.emit("destination.state", {
          streamId: live.id,
          destinationId: target.id,
          name: output.target.name,
          ...change,
          at: new Date().toISOString(),
        }),
    );
    live.outputs.set(target.id, output);
    output.start();
  }

  /** The slate settings changed while live (from any node of a cluster): the live stream follows them. */
  private applySlateSettings(live: LiveStream): void {
    void Promise.resolve()
      .then(() => this.config.slateOf?.(live.id))
      .then(
        (settings) => {
          if (settings && this.live.get(live.id) === live) live.slate.update(settings);
        },
        (err: unknown) => this.log.error({ err, stream: live.name }, "could not read the stream's slate settings; the live stream keeps the ones it had"),
      );
  }

  /** Disconnects the encoder (not Prism's media player) publishing on `input`; its loss is handled as any other drop. */
  private dropEncoder(live: LiveStream, input: "primary" | "backup", reason: string): void {
    const slot = live.inputs[input];
    if (!slot || slot.media) return;
    this.log.warn({ stream: live.name, input }, "publisher disconnected: its stream key was rotated");
    // Not deliberate: the stream is not over, its encoder is gone (the slate covers until the new key publishes).
    slot.connection.disconnect(reason, { deliberate: false });
  }

  private end(live: LiveStream, reason: string): void {
    if (this.live.get(live.id) !== live) return;
    this.live.delete(live.id);
    if (live.steady) clearTimeout(live.steady);
    // A stalled encoder may still be connected when the slate runs out: it is done too.
    const slots = [live.inputs.primary, live.inputs.backup];
    // Cleared first, so the connections' ends are not taken for encoder losses of a running stream.
    live.inputs = { primary: null, backup: null };
    for (const slot of slots) {
      slot?.stall.stop();
      slot?.connection.disconnect(reason);
    }
    live.slate.close();
    live.hub.close();
    live.transcoding.close();
    const last = new Map<string, OutputHealth>();
    for (const [id, output] of live.outputs) {
      output.stop();
      last.set(id, output.health());
    }
    this.finished.set(live.id, last);
    this.releaseOwnership(live.id);
    this.log.info({ stream: live.name, reason }, "stream ended");
    this.bus.emit("stream.ended", { streamId: live.id, sessionId: live.sessionId, name: live.name, at: new Date().toISOString(), reason });
  }
}
