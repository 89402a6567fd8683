/**
 * What a node's death cost each destination, read from its counting receiver (bench/lib/rtmp-sink.ts):
 * - recovery: seconds from the kill to the first media message of a new connection on the receiver's port;
 * - frames lost: the video frames a live 30 fps source made over the destination's whole life (first media of
 *   its first connection to the close of its last) less the frames that arrived, over every connection. The same
 *   figure for destinations the kill did not touch is the method's own error (start and end effects).
 */
import { firstEvent, type SinkProcess } from "../faults/sinks.js";

export interface DestinationCost {
  port: number;
  /** Seconds from the kill to media again; null when it never came back. */
  recoveryS: number | null;
  /** Connections the receiver saw on this port. */
  connections: number;
  /** Video frames expected less received; null when a connection was still open. */
  framesLost: number | null;
}

export function recoveryAfter(sink: SinkProcess, port: number, killedAt: number): number | null {
  const media = firstEvent(sink, "media", port, killedAt);
  return media ? (media.at - killedAt) / 1000 : null;
}

export function destinationCost(sink: SinkProcess, port: number, killedAt: number | null, fps: number): DestinationCost {
  const conns = sink.closed.filter((c) => c.port === port && c.firstMediaAt !== null);
  const accepted = sink.events.filter((e) => e.ev === "accepted" && e.port === port).length;
  let framesLost: number | null = null;
  if (conns.length > 0 && conns.length === sink.events.filter((e) => e.ev === "media" && e.port === port).length) {
    const start = Math.min(...conns.map((c) => c.firstMediaAt!));
    const end = Math.max(...conns.map((c) => c.closedAt ?? 0));
    const received = conns.reduce((sum, c) => sum + c.video.frames, 0);
    framesLost = Math.round(((end - start) / 1000) * fps - received);
  }
  return { port, recoveryS: killedAt === null ? null : recoveryAfter(sink, port, killedAt), connections: accepted, framesLost };
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
  return `${f(Math.min(...known))} / ${f(median(known))} / ${f(Math.max(...known))}${missing ? ` (${missing} never)` : ""}`;
}
