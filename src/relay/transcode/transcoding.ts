import type { Logger } from "pino";
import type { StreamHub } from "../hub.js";
import { IngestAnalyzer } from "../analyzer.js";
import type { TranscodeFormat } from "../../media/ffmpeg.js";
import type { TranscodeSetting } from "../../core/transcode-setting.js";
import { decidePlan, warningsFor, type IngestFacts, type PlatformRules, type TranscodePlan } from "./plan.js";
import { Transcoder, type SpawnTranscoder, type TranscoderOptions } from "./transcoder.js";

export interface StreamTranscodingOptions extends TranscoderOptions {
  /** A destination's platform as planning sees it (the composition root answers from the platform registry). */
  rulesOf(platform: string): PlatformRules;
}

/** What routing needs to know about a destination. */
export interface TranscodeTarget {
  id: string;
  platform: string;
  transcode: TranscodeSetting;
}

/** A destination's transcoding as health reports it. */
export interface DestinationTranscode {
  /** "measuring": auto mode is still measuring the ingest to choose. */
  mode: "copy" | "transcode" | "measuring";
  /** What the destination is sent when transcoding. */
  profile?: TranscodeFormat;
  /** Why Prism transcodes (the platform rules the ingest breaks, or the destination's own profile). */
  reasons?: string[];
  fps?: number;
  bitrateKbps?: number;
  speed?: number;
  droppedFrames?: number;
  restarts?: number;
  lastError?: string | null;
  /** Platform rules the stream this destination receives breaks. */
  warnings: string[];
}

interface Route {
  target: TranscodeTarget;
  plan: TranscodePlan | null;
  /** Key of the shared transcoder, when transcoding. */
  key: string | null;
  cancel: () => void;
}

/**
 * The transcoding side of one live stream: it measures the ingest, decides each destination's plan
 * when its output starts (copy, or the hub of a transcoder), shares one ffmpeg between destinations
 * that want the same format, and stops an ffmpeg when its last destination goes.
 */
export class StreamTranscoding {
  private readonly analyzer = new IngestAnalyzer();
  private readonly routes = new Map<string, Route>();
  private readonly transcoders = new Map<string, { transcoder: Transcoder; users: number }>();
  private closed = false;

  constructor(
    private readonly source: StreamHub,
    private readonly options: StreamTranscodingOptions,
    private readonly log: Logger,
    private readonly spawn?: SpawnTranscoder,
  ) {
    source.attach(this.analyzer);
  }

  /**
   * Decides which hub the destination's output reads and hands it to `start`: at once when the
   * plan needs no measurement (copy, or auto to a platform without limits), else as soon as the
   * ingest has been measured.
   */
  route(target: TranscodeTarget, start: (hub: StreamHub) => void): void {
    this.release(target.id);
    const route: Route = { target: { ...target }, plan: null, key: null, cancel: () => {} };
    this.routes.set(target.id, route);
    const decide = () => {
      if (this.closed || this.routes.get(target.id) !== route) return;
      route.plan = decidePlan(target.transcode, this.options.rulesOf(target.platform), this.facts());
      start(this.hubFor(route));
    };
    const immediate = target.transcode === "copy" || (target.transcode === "auto" && this.options.rulesOf(target.platform).limits === null);
    if (immediate) decide();
    else route.cancel = this.analyzer.whenReady(decide);
  }

  /** Whether the destination has been routed (its output may still wait for the measurement). */
  has(id: string): boolean {
    return this.routes.has(id);
  }

  /** True when the platform or transcoding setting differs from what the destination was routed with. */
  changed(target: TranscodeTarget): boolean {
    const route = this.routes.get(target.id);
    return route !== undefined && (route.target.platform !== target.platform || JSON.stringify(route.target.transcode) !== JSON.stringify(target.transcode));
  }

  /** Ids of routes still waiting for the measurement. */
  pending(): string[] {
    return [...this.routes.values()].filter((r) => r.plan === null).map((r) => r.target.id);
  }

  /** The destination's output stopped: let go of its transcoder (stopped with its last user). */
  release(id: string): void {
    const route = this.routes.get(id);
    if (!route) return;
    this.routes.delete(id);
    route.cancel();
    if (route.key === null) return;
    const shared = this.transcoders.get(route.key);
    if (shared && --shared.users === 0) {
      shared.transcoder.stop();
      this.transcoders.delete(route.key);
    }
  }

  view(id: string): DestinationTranscode | undefined {
    const route = this.routes.get(id);
    if (!route) return undefined;
    if (!route.plan) return { mode: "measuring", warnings: [] };
    const warnings = warningsFor(route.plan, this.options.rulesOf(route.target.platform), this.facts());
    if (route.plan.mode === "copy") return { mode: "copy", warnings };
    const { running: _running, ...health } = this.transcoders.get(route.key!)!.transcoder.health();
    return { mode: "transcode", profile: route.plan.format, reasons: route.plan.reasons, ...health, warnings };
  }

  /** The stream ended: every ffmpeg goes. */
  close(): void {
    this.closed = true;
    for (const id of [...this.routes.keys()]) this.release(id);
    this.source.detach(this.analyzer);
  }

  private hubFor(route: Route): StreamHub {
    const plan = route.plan!;
    if (plan.mode === "copy") return this.source;
    const key = JSON.stringify(plan.format);
    route.key = key;
    let shared = this.transcoders.get(key);
    if (!shared) {
      const transcoder = new Transcoder(this.source, plan.format, this.options, this.log.child({ transcode: key }), this.spawn);
      shared = { transcoder, users: 0 };
      this.transcoders.set(key, shared);
      this.log.info({ destination: route.target.id, format: plan.format, reasons: plan.reasons }, "transcoding for a destination");
      transcoder.start();
    }
    shared.users += 1;
    return shared.transcoder.hub;
  }

  private facts(): IngestFacts {
    const { videoCodec, audioCodec, width, height } = this.source.health();
    return { videoCodec, audioCodec, width, height, ...this.analyzer.measurements() };
  }
}

