import type { Logger } from "pino";
import type { EventBus } from "../bus.js";
import { RtmpIngest, type IngestPorts } from "./ingest/rtmp-ingest.js";
import type { IngestConnection, PublishDecision, PublishRequest } from "./ingest/connection.js";
import { StreamHub, type HubSource, type IngestHealth } from "./hub.js";
import { IngestClock } from "./ingest/clock.js";
import { StallWatch } from "./ingest/stall-watch.js";
import { SlateHold, type SlateSettings } from "./slate-hold.js";
import { RefusalLimiter } from "./ingest/refusal-limiter.js";
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

/** What the relay needs to know about configuration; the database answers it. */
export interface RelayConfigSource {
  streamByKey(streamKey: string): { id: string; name: string; slate: SlateSettings } | undefined;
  enabledTargets(streamId: string): RelayTarget[];
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

interface LiveStream {
  id: string;
  name: string;
  hub: StreamHub;
  /** null while the publisher is away and the slate holds the destinations. */
  publisher: IngestConnection | null;
  /** Watches the current publisher for a stall; null without a publisher. */
  stall: StallWatch | null;
  outputs: Map<string, DestinationOutput>;
  /** Measures the ingest and runs the ffmpegs of destinations that do not take a copy. */
  transcoding: StreamTranscoding;
  slate: SlateHold;
}

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
      this.bus.on("config.stream", ({ streamId, change }) => {
        if (change !== "deleted") return;
        const live = this.live.get(streamId);
        if (live?.publisher) live.publisher.disconnect("stream deleted");
        else if (live) this.end(live, "stream deleted");
      }),
    );
    return this.ingest.listen();
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const stream of [...this.live.values()]) this.end(stream, "server shutting down");
    await this.ingest.close();
  }

  isLive(streamId: string): boolean {
    return this.live.has(streamId);
  }

  ingestHealth(streamId: string): IngestHealth | null {
    return this.live.get(streamId)?.hub.health() ?? null;
  }

  /** What the destinations see, until when the slate may run, and what is wrong with the ingest, in words. */
  ingestSource(streamId: string): { source: IngestState; slateUntil: string | null; warnings: string[] } | null {
    const live = this.live.get(streamId);
    if (!live) return null;
    const silentMs = live.stall?.silentForMs() ?? null;
    if (silentMs === null) return { source: live.hub.currentSource, slateUntil: live.slate.slateUntil, warnings: [] };
    const meanwhile = live.slate.holding
      ? "destinations show the slate until it sends again"
      : live.slate.enabled
        ? "a stream without video has no slate, so destinations get nothing meanwhile"
        : "the slate is off, so destinations get nothing meanwhile";
    const warning = `OBS is connected but has sent nothing for ${(silentMs / 1000).toFixed(1)} s; ${meanwhile}.`;
    return { source: "stalled", slateUntil: live.slate.slateUntil, warnings: [warning] };
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

  private decide(req: PublishRequest, connection: IngestConnection): PublishDecision {
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
    const stream = this.config.streamByKey(req.streamKey);
    if (!stream) {
      this.refusals.refused(peer);
      if (this.refusals.blockedFor(peer) > 0) this.log.warn({ peer, blockSeconds: this.options.ingest.blockSeconds }, "address blocked: too many publishes with wrong stream keys");
      else this.log.warn({ peer }, "publish refused: unknown stream key");
      return { accept: false, reason: "Unknown stream key." };
    }
    const current = this.live.get(stream.id);
    if (current?.publisher && current.stall?.stalled) {
      // OBS restarted after hanging: its old connection may stay open, silent, for a while yet.
      this.log.warn({ peer, stream: stream.name }, "a new publish replaces the stalled publisher");
      const stalled = current.publisher;
      current.publisher = null;
      current.stall = null;
      stalled.disconnect("replaced by a new publish");
    }
    if (current?.publisher) {
      this.log.warn({ peer, stream: stream.name }, "publish refused: the stream already has a publisher");
      return { accept: false, reason: "This stream is already being published; only one publisher at a time." };
    }
    const live = current ?? this.begin(stream);
    live.publisher = connection;
    const stall = new StallWatch(this.options.ingest.stallMs, {
      stalled: () => this.stalled(live, stall),
      resumed: () => this.unstalled(live),
    });
    live.stall = stall;
    if (current) this.resume(live, true);
    const clock = new IngestClock();
    return {
      accept: true,
      sink: {
        packet: (packet) => {
          stall.media(packet);
          live.hub.push({ ...packet, dts: clock.unwrap(packet.dts) });
        },
        end: (reason, deliberate) => {
          stall.stop();
          if (live.publisher !== connection) return;
          live.publisher = null;
          live.stall = null;
          if (deliberate || !live.slate.enabled || !live.hub.hasVideo) this.end(live, reason);
          else if (stall.stalled && live.slate.holding) this.log.info({ stream: live.name, reason }, "the stalled publisher's connection closed; the slate goes on");
          else this.holdOnSlate(live, reason, "disconnected");
        },
      },
    };
  }

  private begin(stream: { id: string; name: string; slate: SlateSettings }): LiveStream {
    const hub = new StreamHub();
    const { backoff, queueLimitBytes } = this.options.output;
    const live: LiveStream = {
      id: stream.id,
      name: stream.name,
      hub,
      publisher: null,
      stall: null,
      outputs: new Map(),
      transcoding: new StreamTranscoding(hub, { backoff, queueLimitBytes, rulesOf: this.options.platformRules }, this.log.child({ component: "transcode", stream: stream.name })),
      slate: new SlateHold(stream.slate, hub, this.log.child({ component: "slate", stream: stream.name }), (reason) => this.end(live, reason)),
    };
    this.live.set(stream.id, live);
    this.finished.delete(stream.id);
    this.log.info({ stream: stream.name }, "stream started");
    this.bus.emit("stream.started", { streamId: stream.id, name: stream.name, at: new Date().toISOString() });
    this.reconcile(stream.id);
    return live;
  }

  private holdOnSlate(live: LiveStream, reason: string, cause: IngestLossCause): void {
    const slateUntil = live.slate.hold();
    this.log.warn({ stream: live.name, reason, cause, slateUntil }, "publisher lost; destinations stay connected on the slate");
    this.bus.emit("stream.ingest_lost", { streamId: live.id, name: live.name, at: new Date().toISOString(), reason, cause, slateUntil });
  }

  /** The publisher is connected but silent: for destinations that is the same as a drop. */
  private stalled(live: LiveStream, stall: StallWatch): void {
    if (live.stall !== stall) return;
    const reason = `the publisher is connected but sent nothing for ${(this.options.ingest.stallMs / 1000).toFixed(1)} s`;
    if (live.slate.enabled && live.hub.hasVideo) this.holdOnSlate(live, reason, "stalled");
    else this.log.warn({ stream: live.name, reason }, "publisher stalled; no slate to show meanwhile");
  }

  /** Media again on the stalled connection: it takes over at its next keyframe, like a returning publisher. */
  private unstalled(live: LiveStream): void {
    if (live.slate.holding) this.resume(live, false);
    else this.log.info({ stream: live.name }, "the stalled publisher is sending again");
  }

  /** `fresh`: a new connection (its encoder may differ); else the stalled one sending again. */
  private resume(live: LiveStream, fresh: boolean): void {
    const wasHolding = live.slate.holding;
    live.hub.switchTo("primary", { fresh });
    live.slate.release();
    if (!wasHolding) return; // a stall with no slate to show: nothing was announced as lost
    this.log.info({ stream: live.name, fresh }, "publisher back; switching from the slate at its first keyframe");
    this.bus.emit("stream.ingest_resumed", { streamId: live.id, name: live.name, at: new Date().toISOString() });
  }

  /** Brings a live stream's outputs in line with its enabled destinations, touching only what changed. */
  private reconcile(streamId: string): void {
    const live = this.live.get(streamId);
    if (!live) return;
    const wanted = new Map(this.config.enabledTargets(streamId).map((t) => [t.id, t]));
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

  private end(live: LiveStream, reason: string): void {
    if (this.live.get(live.id) !== live) return;
    this.live.delete(live.id);
    live.stall?.stop();
    // A stalled publisher may still be connected when the slate runs out: it is done too.
    live.publisher?.disconnect(reason);
    live.slate.close();
    live.hub.close();
    live.transcoding.close();
    const last = new Map<string, OutputHealth>();
    for (const [id, output] of live.outputs) {
      output.stop();
      last.set(id, output.health());
    }
    this.finished.set(live.id, last);
    this.log.info({ stream: live.name, reason }, "stream ended");
    this.bus.emit("stream.ended", { streamId: live.id, name: live.name, at: new Date().toISOString(), reason });
  }
}
