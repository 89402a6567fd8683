import { readFileSync, readdirSync } from "node:fs";
import { ffprobePath } from "../../src/media/binaries.js";
import { runToCompletion } from "./children.js";

/** One packet of a recording, as ffprobe sees it. */
export interface Packet {
  ptsSec: number;
  size: number;
  keyframe: boolean;
  /** MD5 of the packet's data: equal hashes mean bit-identical packets. */
  hash: string;
}

/** Every packet of the first video or audio stream, in file order, with its size and data hash. */
export async function probePackets(file: string, kind: "video" | "audio"): Promise<Packet[]> {
  const result = await runToCompletion(ffprobePath(), [
    "-v", "error", "-of", "json",
    "-select_streams", kind === "video" ? "v:0" : "a:0",
    "-show_data_hash", "md5",
    "-show_entries", "packet=pts_time,dts_time,size,flags,data_hash",
    file,
  ]);
  if (result.code !== 0) throw new Error(`ffprobe ${file} failed: ${result.stderr}`);
  const raw = JSON.parse(result.stdout) as { packets?: Array<{ pts_time?: string; dts_time?: string; size?: string; flags?: string; data_hash?: string }> };
  return (raw.packets ?? []).map((p) => ({
    ptsSec: Number.parseFloat(p.pts_time ?? p.dts_time ?? "NaN"),
    size: Number(p.size ?? 0),
    keyframe: p.flags?.startsWith("K") ?? false,
    hash: p.data_hash ?? "",
  }));
}

/** Average bitrate of the packets, kbit/s, over their time span. */
export function packetsKbps(packets: readonly Packet[]): number {
  if (packets.length < 2) return 0;
  const times = packets.map((p) => p.ptsSec).sort((a, b) => a - b);
  const span = times.at(-1)! - times[0]!;
  const bytes = packets.slice(0, -1).reduce((sum, p) => sum + p.size, 0);
  return span > 0 ? (bytes * 8) / span / 1000 : 0;
}

/** Seconds between consecutive keyframes. */
export function keyframeIntervals(packets: readonly Packet[]): number[] {
  const keys = packets.filter((p) => p.keyframe).map((p) => p.ptsSec);
  return keys.slice(1).map((t, i) => Math.round((t - keys[i]!) * 1000) / 1000);
}

/**
 * Pids of this process's children whose command line contains every one of `parts` — e.g. the
 * transcoding ffmpeg Prism runs in-process (read from /proc; Linux only, like the rest of the suite).
 */
export function childProcesses(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (parts.every((part) => args.includes(part))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
