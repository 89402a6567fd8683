/**
 * ffmpeg processes used around the system under test: the looping publisher, the RTMP receivers
 * (listen mode) and the one-ffmpeg-per-destination reference relay. Each reports its progress
 * (`-progress pipe:1`) so the bench can check that bytes actually flow.
 */
import { execFileSync } from "node:child_process";
import { ffmpegPath } from "../../src/media/binaries.js";
import { spawnTracked, type Proc } from "./proc.js";

/** Latest values from ffmpeg's `-progress` output. */
export class Progress {
  bytes = 0;
  frames = 0;
  outTimeUs = 0;
  updatedAt = 0;

  onLine = (line: string): void => {
    const eq = line.indexOf("=");
    if (eq < 0) return;
    const key = line.slice(0, eq);
    // Each block of lines ends with progress=continue|end: the block's figures are as of now.
    if (key === "progress") {
      this.updatedAt = Date.now();
      return;
    }
    const value = Number(line.slice(eq + 1));
    if (!Number.isFinite(value)) return;
    if (key === "total_size") this.bytes = value;
    else if (key === "frame") this.frames = value;
    else if (key === "out_time_us") this.outTimeUs = value;
  };

  snapshot(): { bytes: number; at: number } {
    return { bytes: this.bytes, at: Date.now() };
  }
}

/** kbit/s between two snapshots. */
export function kbps(a: { bytes: number; at: number }, b: { bytes: number; at: number }): number {
  return b.at > a.at ? ((b.bytes - a.bytes) * 8) / (b.at - a.at) : 0;
}

const quiet = ["-hide_banner", "-nostdin", "-loglevel", "error", "-nostats"];

export interface Tracked {
  proc: Proc;
  progress: Progress;
}

function tracked(name: string, args: string[], withProgress = true): Tracked {
  const progress = new Progress();
  const proc = withProgress
    ? spawnTracked(name, ffmpegPath(), [...quiet, "-progress", "pipe:1", ...args], { onStdoutLine: progress.onLine })
    : spawnTracked(name, ffmpegPath(), [...quiet, ...args]);
  return { proc, progress };
}

/** A receiver reading `input` (one publisher), remuxed to FLV into /dev/null so `-progress` counts the bytes received. */
function startListener(name: string, port: number, input: string[]): Tracked & { port: number } {
  return { port, ...tracked(`${name} :${port}`, [...input, "-c", "copy", "-f", "flv", "-y", "/dev/null"]) };
}

/**
 * A real RTMP receiver: accepts one publisher on 127.0.0.1:port (app "app", key "k"), counts what it
 * receives, and exits when the publisher leaves.
 */
export function startReceiver(port: number): Tracked & { port: number } {
  return startListener("receiver", port, ["-listen", "1", "-i", `rtmp://127.0.0.1:${port}/app/k`]);
}

/**
 * The bare reference's receiver: the same ffmpeg, reading FLV over plain TCP (it accepts one connection on
 * 127.0.0.1:port) instead of RTMP.
 */
export function startTcpReceiver(port: number): Tracked & { port: number } {
  return startListener("tcp receiver", port, ["-f", "flv", "-i", `tcp://127.0.0.1:${port}?listen=1`]);
}

/** Publishes the clip in a loop at real time, stream copy (no encoding), to rtmp://… or tcp://… (plain FLV). */
export function startPublisher(clip: string, url: string): Tracked {
  return tracked("publisher", ["-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "flv", url]);
}

/** Reference relay: pulls `from` and pushes it, stream copy, to `to` (measured, so no progress output). */
export function startCopyRelay(name: string, from: string, to: string): Tracked {
  return tracked(name, ["-i", from, "-c", "copy", "-f", "flv", to], false);
}

export function ffmpegVersion(): string {
  const first = execFileSync(ffmpegPath(), ["-version"], { encoding: "utf8" }).split("\n")[0] ?? "";
  return first.replace(/ Copyright.*$/, "").replace(/^ffmpeg version /, "").replace(/\s+https?:\S+/, "").trim();
}
