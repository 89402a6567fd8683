import { readdir, stat, writeFile } from "node:fs/promises";
import { concatMp4s, probeMedia, type MediaFacts } from "../media/recording.js";
import { EMPTY_FLV_BYTES, remuxWholeTags } from "./flv-readable.js";
import type { RecordingFiles } from "./files.js";
import { firstLine } from "./errors.js";

/**
 * A recording taken over mid-session (a node died, another went on) is raw FLV in parts: `<id>.flv` from the node
 * that began it, then `<id>-<ms>.flv` from each node that went on, `ms` being when that part began. On a shared
 * data directory every part is here, and the finished recording is one MP4 of all of them.
 */

/** Parts joined at most: a session taken over more often than this keeps only its last part in the MP4. */
export const MAX_RECORDING_PARTS = 4;

export interface RawPart {
  file: string;
  /** When the part began (from its name); null for the first part, which began with the recording. */
  startedAt: number | null;
  /** When its last bytes were written: the last frame the node that wrote it recorded. */
  lastWriteAt: number;
  bytes: number;
}

/** Ids are Prism's (`rec_…`); anything else in the row is not trusted to build file names from. */
const SAFE_ID = /^[A-Za-z0-9_]+$/;

/**
 * The recording's raw parts readable in the recordings directory, oldest first. Only names made from the id are
 * considered (nothing a row or a request could point elsewhere with); `current` (the row's raw file) is always last.
 */
export async function rawParts(files: RecordingFiles, recordingId: string, current: string): Promise<RawPart[]> {
  if (!SAFE_ID.test(recordingId)) return [];
  const name = new RegExp(`^${recordingId}(?:-(\\d{1,15}))?\\.flv$`);
  const parts: RawPart[] = [];
  for (const file of await readdir(files.dir).catch(() => [] as string[])) {
    const match = name.exec(file);
    if (!match) continue;
    const info = await stat(files.path(file)).catch(() => null);
    if (!info?.isFile()) continue;
    parts.push({ file, startedAt: match[1] ? Number(match[1]) : null, lastWriteAt: Math.round(info.mtimeMs), bytes: info.size });
  }
  parts.sort((a, b) => (a.file === current ? 1 : b.file === current ? -1 : (a.startedAt ?? -1) - (b.startedAt ?? -1)));
  return parts;
}

/** Where one part follows another in the joined MP4. */
export interface PartJoin {
  /** Seconds into the joined recording. */
  atSec: number;
  /** Wall-clock seconds between the earlier part's last write and this part's start: not recorded. */
  gapSec: number | null;
  from: string;
  to: string;
}

export interface JoinedRecording {
  facts: MediaFacts;
  joins: PartJoin[];
  /** Parts in the MP4 (their raw files can go). */
  joined: string[];
  /** Parts left out, and why (their raw files stay). */
  leftOut: Array<{ file: string; why: string }>;
}

/**
 * Remuxes each part to an MP4 of its own (what a crash cut short is read up to its last whole tag), then joins those
 * whose codecs and picture size match the last part's into `output`, in order. The part files are removed after.
 */
export async function joinParts(files: RecordingFiles, recordingId: string, parts: RawPart[], output: string): Promise<JoinedRecording> {
  const pieces: Array<{ part: RawPart; mp4: string; facts: MediaFacts }> = [];
  const leftOut: JoinedRecording["leftOut"] = parts.slice(0, -MAX_RECORDING_PARTS).map((p) => ({ file: p.file, why: `only the last ${MAX_RECORDING_PARTS} parts of a recording are joined` }));
  const made: string[] = [];
  try {
    for (const [i, part] of parts.slice(-MAX_RECORDING_PARTS).entries()) {
      if (part.bytes <= EMPTY_FLV_BYTES) {
        leftOut.push({ file: part.file, why: "nothing of it reached the disk" });
        continue;
      }
      const mp4 = `${recordingId}.part${i}.mp4`;
      made.push(mp4);
      try {
        await remuxWholeTags(files.path(part.file), files.path(mp4));
        const facts = await probeMedia(files.path(mp4));
        if (facts.durationSec <= 0) throw new Error("it holds no media");
        pieces.push({ part, mp4, facts });
      } catch (err) {
        leftOut.push({ file: part.file, why: `it could not be read (${firstLine((err as Error).message)})` });
      }
    }
    const last = pieces.at(-1);
    if (!last) throw new Error("no part of the recording holds media");
    const kept = pieces.filter((p) => p === last || sameFormat(p.facts, last.facts));
    for (const p of pieces) if (!kept.includes(p)) leftOut.push({ file: p.part.file, why: `its format (${describe(p.facts)}) differs from the rest (${describe(last.facts)})` });
    const list = `${recordingId}.parts.txt`;
    made.push(list);
    // Each part but the last lasts a little longer than its media: the next part's first packets, whose decode times
    // may come before its start (AAC priming, B-frames), then never land before the earlier part's last (the concat
    // demuxer would hand the muxer decreasing timestamps, and players stumble at the join).
    const entry = (p: (typeof kept)[number], i: number) => `file '${p.mp4}'\n` + (i < kept.length - 1 ? `duration ${(p.facts.durationSec + JOIN_PAD_SEC).toFixed(3)}\n` : "");
    await writeFile(files.path(list), kept.map(entry).join(""), { mode: 0o600 });
    await concatMp4s(files.path(list), output);
    const facts = await probeMedia(output);
    return { facts, joins: joinsOf(kept), joined: kept.map((p) => p.part.file), leftOut };
  } finally {
    for (const name of made) await files.remove(name).catch(() => {});
  }
}

/** Time added after each part but the last, in seconds: more than AAC's priming (~23 ms) and two B-frames at 30 fps. */
const JOIN_PAD_SEC = 0.1;

function joinsOf(kept: Array<{ part: RawPart; facts: MediaFacts }>): PartJoin[] {
  const joins: PartJoin[] = [];
  let atSec = 0;
  for (const [i, p] of kept.entries()) {
    const before = kept[i - 1];
    if (before) {
      const gapMs = p.part.startedAt === null ? null : p.part.startedAt - before.part.lastWriteAt;
      joins.push({ atSec: Math.round(atSec * 1000) / 1000, gapSec: gapMs === null ? null : Math.max(0, Math.round(gapMs / 100) / 10), from: before.part.file, to: p.part.file });
    }
    atSec += p.facts.durationSec + JOIN_PAD_SEC;
  }
  return joins;
}

const sameFormat = (a: MediaFacts, b: MediaFacts) => a.videoCodec === b.videoCodec && a.audioCodec === b.audioCodec && a.width === b.width && a.height === b.height;
const describe = (f: MediaFacts) => [f.videoCodec, f.width && f.height ? `${f.width}x${f.height}` : null, f.audioCodec].filter(Boolean).join(", ");
