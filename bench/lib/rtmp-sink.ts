/**
 * A counting RTMP receiver for the benches: accepts publishes on 127.0.0.1:<port> and counts what
 * arrives (bytes, audio/video/data messages, their timestamps), without decoding or writing
 * anything. Built on node-media-server's server-side protocol engine (handshake, chunk parser,
 * connect/createStream/publish answers), like test/support/stalling-rtmp-server.ts.
 *
 * Run as its own process so its CPU never counts against the relay under test:
 *
 *   node --import tsx bench/lib/rtmp-sink.ts [--standby] [--keep-messages] <port>…
 *
 * It reports on stdout, one event per line, each `@sink {json}` (see SinkEvent): when each port
 * listens, when a connection is accepted, publishes, carries its first media message and its first
 * keyframe, and when it closes (with the connection's counts). With --standby it loads, reports
 * `ready` and listens only on SIGUSR2. With --progress-ms=<n> it reports every open connection's
 * media bytes so far every n ms (`progress`), for benches that compare while the stream runs. SIGTERM/SIGINT close it; SIGKILL is how the fault bench takes
 * a receiver down.
 */
import net, { type Server, type Socket } from "node:net";
import { pathToFileURL } from "node:url";
import type { Logger } from "pino";
import { Rtmp, routeNmsLogging } from "../../src/relay/rtmp/nms.js";

/** RTMP message types, as in FLV tags. */
const AUDIO = 8;
const VIDEO = 9;
const DATA = 18;

/** Every sink event line starts with this; anything else on stdout is not ours. */
export const SINK_EVENT_PREFIX = "@sink ";

export interface TrackStats {
  /** Messages that are not codec headers. */
  frames: number;
  /** Codec headers (AVC/AAC sequence headers). */
  headers: number;
  firstDts: number | null;
  lastDts: number | null;
  /** Largest step between consecutive frames' timestamps, and the timestamp it ended at. */
  maxGapMs: number;
  maxGapAtDts: number | null;
  /** Frames whose timestamp is below the previous frame's on the same track. */
  backwards: number;
}

export interface ConnectionStats {
  port: number;
  /** Connection number on this sink, from 1. */
  conn: number;
  acceptedAt: number;
  publishAt: number | null;
  firstMediaAt: number | null;
  firstKeyframeAt: number | null;
  closedAt: number | null;
  /** Every byte read from the socket (handshake, commands, media). */
  rawBytes: number;
  /**
   * The audio/video/data messages as they sit on the wire: each one's payload plus its chunk
   * headers at the chunk size the sender announced, with a full type-0 header on the first chunk
   * and 1-byte type-3 headers on the rest (the framing Prism uses for its pre-encoded media).
   */
  mediaBytes: number;
  /** Sum of the audio/video/data payload sizes. */
  payloadBytes: number;
  chunkSize: number;
  audio: TrackStats;
  video: TrackStats;
  data: number;
  keyframes: number;
  /** With --keep-messages: every message as [type, dts, payload size, header? 1 : 0]. */
  messages?: Array<[number, number, number, number]>;
}

export type SinkEvent =
  | { ev: "ready"; at: number }
  | { ev: "listening"; port: number; at: number }
  | { ev: "accepted"; port: number; conn: number; at: number }
  | { ev: "publish"; port: number; conn: number; at: number }
  | { ev: "media"; port: number; conn: number; at: number; type: number; dts: number }
  | { ev: "keyframe"; port: number; conn: number; at: number; dts: number }
  | { ev: "closed"; port: number; conn: number; at: number; stats: ConnectionStats }
  | { ev: "progress"; port: number; conn: number; at: number; mediaBytes: number }
  | { ev: "error"; port: number; at: number; message: string };

function newTrack(): TrackStats {
  return { frames: 0, headers: 0, firstDts: null, lastDts: null, maxGapMs: 0, maxGapAtDts: null, backwards: 0 };
}

/** Wire size of one message framed as Prism frames it (see ConnectionStats.mediaBytes). */
export function wireSize(payload: number, chunkSize: number, dts: number): number {
  const extra = dts >= 0xffffff ? 4 : 0;
  const continuations = payload > 0 ? Math.ceil(payload / chunkSize) - 1 : 0;
  return 1 + 11 + extra + payload + continuations * (1 + extra);
}

export interface RtmpSinkOptions {
  keepMessages?: boolean;
  onEvent: (event: SinkEvent) => void;
  /** In-process use: every audio/video/data message as it is parsed (the payload is only valid during the call). */
  onMessage?: (port: number, conn: number, type: number, dts: number, payload: Buffer) => void;
}

/** One listening port; any number of connections over its life (one at a time in practice). */
export class RtmpSink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly open = new Map<number, ConnectionStats>();
  private conns = 0;

  constructor(
    readonly port: number,
    private readonly options: RtmpSinkOptions,
  ) {}

  listen(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        this.options.onEvent({ ev: "listening", port: this.port, at: Date.now() });
        resolve();
      });
    });
  }

  /** Reports each open connection's media bytes so far. */
  progress(): void {
    for (const stats of this.open.values()) this.options.onEvent({ ev: "progress", port: this.port, conn: stats.conn, at: Date.now(), mediaBytes: stats.mediaBytes });
  }

  /** Stops listening; open connections end gracefully (their counts are still reported). */
  close(): Promise<void> {
    for (const s of this.sockets) s.end();
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 2000).unref();
    });
  }

  private accept(socket: Socket): void {
    const emit = this.options.onEvent;
    const conn = ++this.conns;
    const port = this.port;
    this.sockets.add(socket);
    const stats: ConnectionStats = {
      port,
      conn,
      acceptedAt: Date.now(),
      publishAt: null,
      firstMediaAt: null,
      firstKeyframeAt: null,
      closedAt: null,
      rawBytes: 0,
      mediaBytes: 0,
      payloadBytes: 0,
      chunkSize: 128,
      audio: newTrack(),
      video: newTrack(),
      data: 0,
      keyframes: 0,
      ...(this.options.keepMessages ? { messages: [] } : {}),
    };
    this.open.set(conn, stats);
    emit({ ev: "accepted", port, conn, at: stats.acceptedAt });

    const rtmp = new Rtmp();
    rtmp.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    rtmp.onPushCallback = () => {
      stats.publishAt = Date.now();
      emit({ ev: "publish", port, conn, at: stats.publishAt });
    };
    rtmp.onPacketCallback = (p) => {
      const type = p.codec_type;
      if (type !== AUDIO && type !== VIDEO && type !== DATA) return;
      this.options.onMessage?.(port, conn, type, p.dts, p.data.subarray(0, p.size));
      stats.chunkSize = rtmp.inChunkSize;
      stats.mediaBytes += wireSize(p.size, rtmp.inChunkSize, p.dts);
      stats.payloadBytes += p.size;
      // NMS flags: 0 audio header, 2 video header, 3 keyframe, 5 metadata.
      const isHeader = p.flags === 0 || p.flags === 2 || p.flags === 5;
      stats.messages?.push([type, p.dts, p.size, isHeader ? 1 : 0]);
      if (type === DATA) {
        stats.data += 1;
        return;
      }
      if (stats.firstMediaAt === null) {
        stats.firstMediaAt = Date.now();
        emit({ ev: "media", port, conn, at: stats.firstMediaAt, type, dts: p.dts });
      }
      const track = type === AUDIO ? stats.audio : stats.video;
      if (isHeader) {
        track.headers += 1;
        return;
      }
      // An AVC end-of-sequence tag (AVCPacketType 2, written by ffmpeg at the end) is flagged 3 too.
      if (type === VIDEO && p.flags === 3 && p.data[1] !== 2) {
        stats.keyframes += 1;
        if (stats.firstKeyframeAt === null) {
          stats.firstKeyframeAt = Date.now();
          emit({ ev: "keyframe", port, conn, at: stats.firstKeyframeAt, dts: p.dts });
        }
      }
      track.frames += 1;
      if (track.lastDts !== null) {
        const step = p.dts - track.lastDts;
        if (step < 0) track.backwards += 1;
        if (step > track.maxGapMs) {
          track.maxGapMs = step;
          track.maxGapAtDts = p.dts;
        }
      }
      track.firstDts ??= p.dts;
      track.lastDts = p.dts;
    };

    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.sockets.delete(socket);
      this.open.delete(conn);
      stats.closedAt = Date.now();
      emit({ ev: "closed", port, conn, at: stats.closedAt, stats });
    };
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      stats.rawBytes += data.length;
      try {
        rtmp.parserData(data);
      } catch (err) {
        emit({ ev: "error", port, at: Date.now(), message: `connection ${conn}: ${(err as Error).message}` });
        socket.destroy();
      }
    });
    socket.on("error", () => {});
    socket.on("close", finish);
  }
}

/** Parses one stdout line of a sink process; undefined for lines that are not sink events. */
export function parseSinkEvent(line: string): SinkEvent | undefined {
  if (!line.startsWith(SINK_EVENT_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(SINK_EVENT_PREFIX.length)) as SinkEvent;
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<void> {
  // NMS would print its protocol trivia (e.g. "unhandle invoke message FCPublish") to stdout.
  routeNmsLogging({ debug: () => {} } as unknown as Logger);
  const standby = argv.includes("--standby");
  const keepMessages = argv.includes("--keep-messages");
  const ports = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  if (ports.length === 0) throw new Error("usage: rtmp-sink.ts [--standby] [--keep-messages] [--progress-ms=<n>] <port>…");

  const onEvent = (event: SinkEvent) => process.stdout.write(`${SINK_EVENT_PREFIX}${JSON.stringify(event)}\n`);
  const sinks = ports.map((port) => new RtmpSink(port, { keepMessages, onEvent }));
  // The fault bench starts each replacement receiver ahead of time and has it listen on a signal,
  // so an outage lasts what the bench planned, not that plus Node's start-up time.
  if (standby) {
    // A signal listener alone does not keep Node's event loop alive.
    const keepAlive = setInterval(() => {}, 60_000);
    await new Promise<void>((resolve) => {
      process.once("SIGUSR2", () => resolve());
      onEvent({ ev: "ready", at: Date.now() });
    });
    clearInterval(keepAlive);
  }
  await Promise.all(sinks.map((s) => s.listen()));
  const progressMs = Number(argv.find((a) => a.startsWith("--progress-ms="))?.slice("--progress-ms=".length) ?? 0);
  if (progressMs > 0) setInterval(() => sinks.forEach((s) => s.progress()), progressMs);

  let closing = false;
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.on(sig, () => {
      if (closing) process.exit(1);
      closing = true;
      void Promise.all(sinks.map((s) => s.close())).then(() => process.exit(0));
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`rtmp-sink: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
