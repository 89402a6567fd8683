import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ffmpegPath } from "../../src/media/binaries.js";
import { runToCompletion } from "../support/children.js";
import { waitFor, type TestPrism } from "../support/prism.js";

/** Creates a stream with recording on; its id and key. */
export async function recordedStream(t: TestPrism, name: string, recording: Record<string, unknown> = {}): Promise<{ id: string; streamKey: string }> {
  const { body: stream } = await t.api("POST", "/api/v1/streams", { name });
  const patched = await t.api("PATCH", `/api/v1/streams/${stream.id}`, { recording: { enabled: true, ...recording } });
  if (patched.status !== 200) throw new Error(`PATCH recording: ${patched.status} ${patched.text}`);
  return { id: stream.id, streamKey: stream.streamKey };
}

/** The stream's recordings once every one of them is ready or failed. */
export async function settledRecordings(t: TestPrism, streamId: string, timeoutMs = 10_000): Promise<any[]> {
  return waitFor(
    async () => {
      const { body } = await t.api("GET", `/api/v1/streams/${streamId}/recordings`);
      return body.length > 0 && body.every((r: { state: string }) => r.state === "ready" || r.state === "failed") ? (body as any[]) : undefined;
    },
    { timeoutMs, what: "recordings ready" },
  );
}

/** Downloads `path` (an API download URL) to `dir/name`. */
export async function download(t: TestPrism, path: string, dir: string, name: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}${path}`, { headers: { authorization: `Bearer ${t.token}` } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  const file = join(dir, name);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

/** What `ffmpeg -v error -i FILE -f null -` prints: nothing for a file that plays through cleanly. */
export async function playThroughErrors(file: string): Promise<string> {
  const run = await runToCompletion(ffmpegPath(), ["-nostdin", "-v", "error", "-i", file, "-f", "null", "-"]);
  return `${run.stderr}`.trim() + (run.code === 0 ? "" : `\n(exit ${run.code})`);
}

/** Every video packet's presentation time and the MD5 of its bytes, in file order: a copied clip's run is a run of its recording's. */
export async function videoPacketHashes(file: string): Promise<Array<{ ptsSec: number; hash: string }>> {
  const run = await runToCompletion(ffmpegPath(), ["-nostdin", "-v", "error", "-i", file, "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"]);
  if (run.code !== 0) throw new Error(`framemd5 of ${file}: ${run.stderr}`);
  let timebase = 1;
  const out: Array<{ ptsSec: number; hash: string }> = [];
  for (const line of run.stdout.split("\n")) {
    const tb = /^#tb 0: (\d+)\/(\d+)/.exec(line);
    if (tb) timebase = Number(tb[1]) / Number(tb[2]);
    if (line.startsWith("#") || !line.trim()) continue;
    const fields = line.split(",").map((f) => f.trim());
    out.push({ ptsSec: Number(fields[2]) * timebase, hash: fields[5]! });
  }
  return out;
}

/** Where `part` occurs as a contiguous run in `whole` (by hash), or -1. */
export function runIndex(whole: Array<{ hash: string }>, part: Array<{ hash: string }>): number {
  outer: for (let i = 0; i + part.length <= whole.length; i++) {
    for (let j = 0; j < part.length; j++) if (whole[i + j]!.hash !== part[j]!.hash) continue outer;
    return i;
  }
  return -1;
}
