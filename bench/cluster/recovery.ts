/**
 * What a node's death cost each destination, read from its counting receiver (bench/lib/rtmp-sink.ts):
 *
 * - recovery: seconds from the kill to the first media message of a new connection on the receiver's port;
 * - media lost: seconds of the live source that never reached the receiver. The publisher is live (`-re`, a new
 *   ffmpeg from the clip's start after the kill, so nothing made while disconnected is ever sent). The old
 *   connection's last media arrived when the dead node's socket closed; the new connection's media was made in
 *   real time up to the bench's final SIGKILL of the nodes, which closes it at once, so its first frame was made at
 *   (its close − the media time it carried, from its FLV timestamps). The gap between the two is media lost. What
 *   the new owner ingests while its outputs connect arrives late but is not lost, so this is less than recovery.
 */
import { firstEvent, type SinkProcess } from "../faults/sinks.js";
import type { ConnectionStats } from "../lib/rtmp-sink.js";

export interface DestinationCost {
  port: number;
  /** Seconds from the kill to media again; null when it never came back (or nothing was killed). */
  recoveryS: number | null;
  /** Seconds of the source lost at the kill; null when unknown. */
  mediaLostS: number | null;
  /** Connections the receiver saw on this port. */
  connections: number;
  /** Largest step between consecutive video timestamps within one connection, ms. */
  maxVideoGapMs: number;
}

export function recoveryAfter(sink: SinkProcess, port: number, killedAt: number): number | null {
  const media = firstEvent(sink, "media", port, killedAt);
  return media ? (media.at - killedAt) / 1000 : null;
}

/** Media time a connection carried, seconds: first to last video timestamp plus one frame. */
function carriedS(c: ConnectionStats, fps: number): number | null {
  if (c.video.firstDts === null || c.video.lastDts === null) return null;
  return (c.video.lastDts - c.video.firstDts) / 1000 + 1 / fps;
}

export function destinationCost(sink: SinkProcess, port: number, killedAt: number | null, fps: number): DestinationCost {
  const conns = sink.closed.filter((c) => c.port === port && c.firstMediaAt !== null).sort((a, b) => a.firstMediaAt! - b.firstMediaAt!);
  let mediaLostS: number | null = null;
  if (killedAt !== null) {
    const before = conns.filter((c) => c.firstMediaAt! < killedAt).at(-1);
    const after = conns.find((c) => c.firstMediaAt! >= killedAt);
    const carried = after ? carriedS(after, fps) : null;
    if (before?.closedAt && after?.closedAt && carried !== null) mediaLostS = (after.closedAt - carried * 1000 - before.closedAt) / 1000;
  }
  return {
    port,
    recoveryS: killedAt === null ? null : recoveryAfter(sink, port, killedAt),
    mediaLostS,
    connections: sink.events.filter((e) => e.ev === "accepted" && e.port === port).length,
    maxVideoGapMs: Math.max(0, ...conns.map((c) => c.video.maxGapMs)),
  };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** "min / median / max" of the figures, or "n/a". */
export function spread(xs: Array<number | null>, digits: number, unit = ""): string {
  const known = xs.filter((x): x is number => x !== null);
  if (known.length === 0) return "n/a";
  const f = (x: number) => `${x.toFixed(digits)}${unit}`;
  const missing = xs.length - known.length;
  return `${f(Math.min(...known))} / ${f(median(known))} / ${f(Math.max(...known))}${missing ? ` (${missing} unknown)` : ""}`;
}
