import type { Logger } from "pino";
import { StreamHub, type HubReader } from "../hub.js";
import type { EncodedFrame, MediaPacket } from "../media.js";
import { Flv, isAvcEndOfSequence, toMediaPacket } from "../rtmp/nms.js";
import { backoffDelay, type BackoffPolicy } from "../../core/backoff.js";
import { spawnTranscoder, type TranscodeFormat, type TranscodeHandlers, type TranscodeProcess, type TranscodeProgress } from "../../media/ffmpeg.js";
import { flvHeader, flvTag } from "./flv.js";

export interface TranscoderOptions {
  backoff: BackoffPolicy;
  /** FLV waiting for ffmpeg before it counts as not keeping up and is restarted. */
  queueLimitBytes: number;
  /** An ffmpeg fed this long without producing anything counts as stuck and is restarted (default 10 s). */
  stallMs?: number;
}

export interface TranscoderHealth {
  running: boolean;
  fps: number;
  bitrateKbps: number;
  speed: number;
  droppedFrames: number;
  restarts: number;
  /** Why ffmpeg last stopped, with its last error lines. */
  lastError: string | null;
}

export type SpawnTranscoder = (format: TranscodeFormat, handlers: TranscodeHandlers) => TranscodeProcess;

/** A run this long resets the backoff: the next failure is a new problem, not the same one again. */
const STABLE_AFTER_MS = 10_000;
/** ffmpeg reports progress about twice a second; older figures mean it is stuck or gone. */
const PROGRESS_STALE_MS = 5_000;
const KEPT_ERROR_LINES = 6;
const DEFAULT_STALL_MS = 10_000;
const INPUT_PAUSE_MS = 2_000;

/** "@setDataFrame" as an AMF0 string: what publishers put before onMetaData, and what ingests expect. */
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from("@setDataFrame")]);
const ON_META_DATA = Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from("onMetaData")]);

/**
 * One ffmpeg re-encoding a live stream to one format. It reads the stream's hub like any output,
 * feeds ffmpeg FLV on stdin, and pushes ffmpeg's FLV output into a hub of its own that destination
 * outputs read — so their reconnects, health and bounded queues work unchanged, and destinations
 * that want the same format share this one ffmpeg. A dead ffmpeg is restarted with backoff, like
 * an output; its outputs stay connected meanwhile and continue on the new ffmpeg's first keyframe.
 */
export class Transcoder implements HubReader {
  readonly hub = new StreamHub();
  private process: TranscodeProcess | null = null;
  private synced = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private restarts = 0;
  private startedAt = 0;
  private lastError: string | null = null;
  private errorLines: string[] = [];
  private progress: TranscodeProgress | null = null;
  private progressAt = 0;
  /** When ffmpeg last wrote output: input flowing with none for long means it is stuck. */
  private outputAt = 0;
  private inputAt = 0;

  constructor(
    private readonly source: StreamHub,
    readonly format: TranscodeFormat,
    private readonly options: TranscoderOptions,
    private readonly log: Logger,
    private readonly spawn: SpawnTranscoder = spawnTranscoder,
  ) {}

  start(): void {
    this.source.attach(this);
    this.launch();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.source.detach(this);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const process = this.process;
    this.process = null;
    process?.kill();
    this.hub.close();
  }

  frame(frame: EncodedFrame): void {
    const process = this.process;
    if (!process || frame.kind === "data") return;
    if (!this.synced) {
      const syncPoint = frame.isHeader || (frame.kind === "video" && frame.isKeyframe);
      if (!syncPoint) return;
      if (!frame.isHeader) this.synced = true;
    }
    const now = Date.now();
    // Output can only be expected while input flows: after a pause (or before the first picture) the wait starts anew.
    if (now - this.inputAt > INPUT_PAUSE_MS) this.outputAt = now;
    this.inputAt = now;
    if (now - this.outputAt > (this.options.stallMs ?? DEFAULT_STALL_MS)) {
      this.fail(`ffmpeg took the stream but produced nothing for ${Math.round((now - this.outputAt) / 1000)} s; Prism restarted it.`);
      return;
    }
    if (process.backlogBytes() > this.options.queueLimitBytes) {
      const speed = this.progress?.speed;
      this.fail(`ffmpeg could not keep up with the stream${speed ? ` (it ran at ${speed}× real time)` : ""}: this machine has too little CPU for this profile. Prism restarted it; a lower resolution or frame rate would help.`);
      return;
    }
    process.input.write(flvTag(frame));
  }

  crashed(err: unknown): void {
    if (this.stopped) return;
    this.log.error({ err }, "transcoder input crashed");
    // The source hub detached us: back on, and a fresh ffmpeg from the next keyframe.
    this.source.attach(this);
    this.fail("Prism hit an internal error feeding ffmpeg; it restarted it.");
  }

  health(): TranscoderHealth {
    const fresh = this.process !== null && this.progress !== null && Date.now() - this.progressAt < PROGRESS_STALE_MS;
    const p = fresh ? this.progress! : null;
    return {
      running: this.process !== null,
      fps: p?.fps ?? 0,
      bitrateKbps: p?.bitrateKbps ?? 0,
      speed: p?.speed ?? 0,
      droppedFrames: this.progress?.droppedFrames ?? 0,
      restarts: this.restarts,
      lastError: this.lastError,
    };
  }

  private launch(): void {
    this.retryTimer = null;
    this.synced = false;
    this.errorLines = [];
    this.startedAt = Date.now();
    this.inputAt = 0;
    const parser = new Flv();
    let process: TranscodeProcess;
    const handlers: TranscodeHandlers = {
      progress: (progress) => {
        this.progress = progress;
        this.progressAt = Date.now();
      },
      stderr: (line) => {
        this.errorLines.push(line);
        if (this.errorLines.length > KEPT_ERROR_LINES) this.errorLines.shift();
      },
      exit: (err) => {
        if (this.process !== process) return;
        const lines = this.errorLines.join("\n");
        this.lost(`ffmpeg stopped${err ? `: ${firstLine(err.message)}` : ""}${lines ? `\n${lines}` : ""}`);
      },
    };
    process = this.spawn(this.format, handlers);
    this.process = process;
    parser.onPacketCallback = (packet) => {
      if (this.process !== process || isAvcEndOfSequence(packet)) return;
      const media = toMediaPacket(packet);
      if (media) this.hub.push(media.kind === "data" ? asSetDataFrame(media) : media);
    };
    process.output.on("data", (chunk: Buffer) => {
      if (this.process !== process) return;
      this.outputAt = Date.now();
      const err = parser.parserData(chunk);
      if (err) this.fail(`ffmpeg's output could not be read (${err}).`);
    });
    process.output.on("error", () => {}); // its end is reported through exit
    process.input.on("error", () => {}); // EPIPE when ffmpeg dies; reported through exit

    // Codec headers, then (first start only) the current GOP from its keyframe, so ffmpeg decodes
    // from its first byte. A restarted ffmpeg waits for the next keyframe instead: its predecessor
    // already encoded that GOP, and sending it again would show viewers a second of rewind.
    const hasAudio = this.format.audio.codec === "copy" || (this.format.audio.codec === "aac" && !this.format.audio.silent);
    process.input.write(flvHeader(hasAudio, true));
    for (const frame of this.source.catchUp()) if (frame.isHeader || this.restarts === 0) this.frame(frame);
  }

  /** Kills the current ffmpeg for `reason` and restarts it. */
  private fail(reason: string): void {
    const process = this.process;
    if (!process) return;
    this.lost(reason);
    process.kill();
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    this.process = null;
    this.lastError = reason;
    if (Date.now() - this.startedAt >= STABLE_AFTER_MS) this.attempt = 0;
    const delay = backoffDelay(this.options.backoff, this.attempt);
    this.attempt += 1;
    this.log.warn({ reason, retryInMs: delay, attempt: this.attempt }, "transcoder stopped; restarting");
    this.retryTimer = setTimeout(() => {
      this.restarts += 1;
      // The new ffmpeg starts its own clock and codec headers: the hub switches at its first keyframe.
      this.hub.switchTo("primary", { fresh: true });
      this.launch();
    }, delay);
  }
}

/** ffmpeg's FLV says "onMetaData"; RTMP publishers send "@setDataFrame", "onMetaData", {…}. */
function asSetDataFrame(packet: MediaPacket): MediaPacket {
  if (!packet.payload.subarray(0, ON_META_DATA.length).equals(ON_META_DATA)) return packet;
  return { ...packet, payload: Buffer.concat([SET_DATA_FRAME, packet.payload]) };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}
