/**
 * Prism for the transcoding bench: `node dist/main.js` with a fresh data dir (as in
 * bench/relay/prism.ts), one stream, and one destination per receiver with its own `transcode`
 * setting. The ffmpeg processes Prism spawns for transcoding are its children, so the bench can
 * count their CPU apart from Prism's own.
 */
import { readFileSync } from "node:fs";
import { childPids, type Proc } from "../lib/proc.js";
import { launchPrism } from "../relay/prism.js";
import type { DestinationTranscode } from "../../src/relay/transcode/transcoding.js";

/** A destination's `transcode` in a health answer: the relay's own view of it, warnings listed apart. */
export type TranscodeHealth = Omit<DestinationTranscode, "warnings">;

export interface DestinationHealth {
  id: string;
  name: string;
  state: string;
  bitrateKbps: number;
  reconnects: number;
  lastError: string | null;
  warnings: string[];
  transcode: TranscodeHealth | null;
}

export interface StreamHealth {
  live: boolean;
  ingest: { bitrateKbps: number; fps: number } | null;
  destinations: DestinationHealth[];
}

export interface BenchDestination {
  name: string;
  port: number;
  transcode: unknown;
}

export interface TranscodePrism {
  proc: Proc;
  publishUrl: string;
  /** The transcoding ffmpeg processes Prism runs now (children reading FLV on stdin; not the slate encoder). */
  ffmpegPids(): number[];
  health(): Promise<StreamHealth>;
  stop(): Promise<void>;
}

export async function startPrism(destinations: BenchDestination[]): Promise<TranscodePrism> {
  const { proc, call, cleanup } = await launchPrism("prism-bench-transcode-");

  try {
    const stream = await call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: "bench-transcode" }, 201);
    for (const d of destinations) {
      const body = { platform: "custom", name: d.name, url: `rtmp://127.0.0.1:${d.port}/app`, streamKey: "k", transcode: d.transcode };
      await call("POST", `/streams/${stream.id}/destinations`, body, 201);
    }
    return {
      proc,
      publishUrl: `${stream.ingestUrl}/${stream.streamKey}`,
      ffmpegPids: () => childPids(proc.pid).filter(isTranscoder),
      health: () => call<StreamHealth>("GET", `/streams/${stream.id}/health`),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function isTranscoder(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("pipe:0");
  } catch {
    return false;
  }
}
