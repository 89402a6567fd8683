/**
 * Recording size and finalization: how much disk an hour of a 6 Mbps broadcast takes, and how long
 * the MP4 takes to be ready after the broadcast ends.
 *
 *   npm run bench:recordings [-- --seconds=60]
 *
 * Publishes the bench clip (1080p30, ~6 Mbps + AAC 128k, stream copy in real time) to an
 * in-process Prism with recording on, for --seconds; then reads the recording's size and duration
 * through the API. Prints figures; asserts nothing.
 */
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.js";
import { startPrism } from "../../src/service.js";
import { ensureClip } from "../lib/clip.js";
import { startPublisher } from "../lib/ffmpeg.js";
import { installCleanup, makeTempDir, removeTempDir, sleep, stop } from "../lib/proc.js";

const arg = process.argv.slice(2).find((a) => a.startsWith("--seconds="));
const SECONDS = arg ? Number(arg.slice("--seconds=".length)) : 60;
const TOKEN = "bench-recordings-token-0123456789";

async function main(): Promise<void> {
  installCleanup();
  const clip = await ensureClip((m) => console.log(m));
  const dataDir = makeTempDir("prism-bench-rec-");
  const config = loadConfig({ PRISM_HOST: "127.0.0.1", PRISM_RTMP_PORT: "0", PRISM_HTTP_PORT: "0", PRISM_DATA_DIR: dataDir, PRISM_API_TOKEN: TOKEN, PRISM_LOG_LEVEL: "warn", PRISM_LOG_FORMAT: "json" });
  const prism = await startPrism(config, { logDestination: new Writable({ write: (_c, _e, done) => done() }) });
  const api = async (method: string, path: string, body?: unknown) =>
    (await fetch(`${prism.apiUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined })).json() as Promise<any>;
  let endedAt = 0;
  let readyAt = 0;
  prism.bus.on("stream.ended", () => (endedAt = performance.now()));
  prism.bus.on("recording.ready", () => (readyAt = performance.now()));
  try {
    const stream = await api("POST", "/streams", { name: "Bench" });
    await api("PATCH", `/streams/${stream.id}`, { recording: { enabled: true } });
    const publisher = startPublisher(clip, `${prism.ingestUrl}/${stream.streamKey}`);
    console.log(`publishing the 6 Mbps clip for ${SECONDS} s…`);
    await sleep(SECONDS * 1000);
    await stop(publisher.proc);
    while (!readyAt) await sleep(100);
    const [recording] = await api("GET", `/streams/${stream.id}/recordings`);
    const bytesPerSec = recording.sizeBytes / recording.durationSec;
    console.log(`recording: ${recording.durationSec.toFixed(1)} s, ${(recording.sizeBytes / 1e6).toFixed(1)} MB (${((bytesPerSec * 8) / 1e6).toFixed(2)} Mbit/s on disk)`);
    console.log(`one hour at this rate: ${((bytesPerSec * 3600) / 1e9).toFixed(2)} GB (${((bytesPerSec * 3600) / 1024 ** 3).toFixed(2)} GiB)`);
    console.log(`MP4 ready ${((readyAt - endedAt) / 1000).toFixed(2)} s after the broadcast ended`);
  } finally {
    await prism.stop();
    removeTempDir(dataDir);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
