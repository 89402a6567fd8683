/**
 * `npm run bench:ingest`: CPU and allocation cost of demuxing a publisher's RTMP chunks, Prism's
 * ChunkDemuxer against node-media-server's own parser, over the same recorded byte stream.
 *
 * The input is a real encode (720p30 H.264 at ~4 Mbit/s + AAC, 10 s, ffmpeg), its FLV tags cut
 * into RTMP chunks at 4096 bytes as OBS and ffmpeg send them, then fed in 64 KiB reads (a socket's
 * usual read size) through each parser's whole connection class, handshake included. Prints
 * figures, asserts nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { ffmpegPath } from "../../src/media/binaries.js";
import { encodeChunks } from "../../src/relay/rtmp/chunks.js";
import { IngestConnection } from "../../src/relay/ingest/connection.js";
import { Rtmp, toMediaPacket } from "../../src/relay/rtmp/nms.js";
import { DEFAULT_MAX_CHUNK_STREAMS, DEFAULT_MAX_PENDING_BYTES } from "../../src/relay/ingest/rtmp-ingest.js";

const READ_SIZE = 64 * 1024;
const CHUNK_SIZE = 4096;
const PASSES = Number(process.env.PASSES) || 30;

function recordFlv(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "prism-bench-ingest-"));
  const file = join(dir, "clip.flv");
  execFileSync(ffmpegPath(), [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t+u,format=yuv420p",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M", "-g", "60",
    "-c:a", "aac", "-b:a", "128k", "-f", "flv", file,
  ]);
  const flv = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  return flv;
}

/** The FLV's tags as the RTMP byte stream a publisher sends after the handshake. */
function asRtmpStream(flv: Buffer): Buffer {
  const setChunkSize = Buffer.alloc(4);
  setChunkSize.writeUInt32BE(CHUNK_SIZE);
  const parts = [encodeChunks({ chunkStream: 2, type: 1, streamId: 0, timestamp: 0, payload: setChunkSize }, 128)];
  const chunkStreamOf: Record<number, number> = { 8: 4, 9: 6, 18: 5 };
  for (let o = 9 + 4; o + 11 <= flv.length; ) {
    const type = flv[o]!;
    const size = flv.readUIntBE(o + 1, 3);
    const timestamp = flv.readUIntBE(o + 4, 3) + flv[o + 7]! * 0x1000000;
    const payload = flv.subarray(o + 11, o + 11 + size);
    if (chunkStreamOf[type]) parts.push(encodeChunks({ chunkStream: chunkStreamOf[type]!, type, streamId: 1, timestamp, payload }, CHUNK_SIZE));
    o += 11 + size + 4;
  }
  return Buffer.concat(parts);
}

const HANDSHAKE = Buffer.concat([Buffer.from([3]), Buffer.alloc(1536 * 2)]);
const socket = { destroyed: false, write: () => true, end: () => undefined, remoteAddress: "127.0.0.1" } as unknown as Socket;

/** node-media-server's parser as Prism used it before (its packet buffers, a per-message cap). */
class NmsParser extends Rtmp {
  packets = 0;
  constructor() {
    super();
    this.onOutputCallback = () => {};
    this.onPacketCallback = (packet) => {
      if (toMediaPacket(packet)) this.packets++;
    };
  }
}

/** Prism's ingest connection (ChunkDemuxer + NMS's handlers), counting media packets. */
class PrismParser extends IngestConnection {
  packets = 0;
  constructor() {
    super(socket, { maxAllocatedBytes: DEFAULT_MAX_PENDING_BYTES, maxChunkStreams: DEFAULT_MAX_CHUNK_STREAMS }, () => ({ accept: false, reason: "" }));
    this.onPacketCallback = (packet) => {
      if (toMediaPacket(packet)) this.packets++;
    };
  }
}

/** Counts Buffer.alloc/allocUnsafe calls and bytes (both parsers allocate message buffers only through these) until stopped. */
function countBufferAllocations() {
  const { alloc, allocUnsafe } = Buffer;
  let calls = 0;
  let bytes = 0;
  Buffer.alloc = ((size: number, ...rest: never[]) => ((calls++, (bytes += size)), alloc(size, ...rest))) as typeof Buffer.alloc;
  Buffer.allocUnsafe = ((size: number) => ((calls++, (bytes += size)), allocUnsafe(size))) as typeof Buffer.allocUnsafe;
  return {
    stop() {
      Buffer.alloc = alloc;
      Buffer.allocUnsafe = allocUnsafe;
      return { calls, bytes };
    },
  };
}

function run(name: string, make: () => { parserData(b: Buffer): unknown; packets: number }, stream: Buffer): void {
  const reads: Buffer[] = [];
  for (let o = 0; o < stream.length; o += READ_SIZE) reads.push(stream.subarray(o, o + READ_SIZE));
  const allocated = countBufferAllocations();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let packets = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const parser = make();
    parser.parserData(HANDSHAKE);
    for (const read of reads) parser.parserData(read);
    packets += parser.packets;
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const { calls, bytes } = allocated.stop();
  const mb = (stream.length * PASSES) / 1e6;
  console.log(
    `${name.padEnd(20)} ${(mb / (ms / 1000)).toFixed(0).padStart(5)} MB/s wall  ${((cpu.user + cpu.system) / 1000 / mb).toFixed(3)} ms CPU/MB  ` +
      `Buffer allocations per pass: ${(calls / PASSES).toFixed(0)} (${(bytes / PASSES / 1e6).toFixed(2)} MB)  media packets per pass: ${packets / PASSES}`,
  );
}

const stream = asRtmpStream(recordFlv());
console.log(`input: ${(stream.length / 1e6).toFixed(1)} MB of RTMP chunks (10 s 720p30 ~4 Mbit/s + AAC), ${PASSES} passes, ${READ_SIZE / 1024} KiB reads`);
// Alternate and repeat so JIT warm-up and machine load hit both alike.
for (let round = 0; round < 3; round++) {
  run("node-media-server", () => new NmsParser(), stream);
  run("Prism ChunkDemuxer", () => new PrismParser(), stream);
}
