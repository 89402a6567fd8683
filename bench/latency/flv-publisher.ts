/**
 * The latency bench's publisher: the test clip's FLV tags published in real time by Prism's own RTMP
 * publish client, in this process, so each frame's send time is known to the same clock as the
 * receivers' (also in this process). Each audio/video frame is recognised at a receiver by its
 * payload, which relays pass through unchanged.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { ffmpegPath } from "../../src/media/binaries.js";
import { encodeMedia } from "../../src/relay/rtmp/chunks.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";
import type { TrackKind } from "../../src/relay/media.js";
import { runToEnd } from "../lib/proc.js";

interface Tag {
  kind: TrackKind;
  dts: number;
  payload: Buffer;
  header: boolean;
}

const KIND: Record<number, TrackKind> = { 8: "audio", 9: "video", 18: "data" };

/** The clip remuxed to FLV next to it (once), as tags. */
export async function loadClipTags(clipMp4: string): Promise<Tag[]> {
  const flv = clipMp4.replace(/\.mp4$/, ".flv");
  if (!existsSync(flv)) {
    await runToEnd("clip remux", ffmpegPath(), ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", clipMp4, "-c", "copy", "-f", "flv", `${flv}.partial`]);
    renameSync(`${flv}.partial`, flv);
  }
  const data = readFileSync(flv);
  const tags: Tag[] = [];
  let o = data.readUInt32BE(5) + 4; // FLV header, then PreviousTagSize0
  while (o + 11 <= data.length) {
    const type = data[o]!;
    const size = data.readUIntBE(o + 1, 3);
    const dts = data.readUIntBE(o + 4, 3) | (data[o + 7]! << 24);
    const payload = data.subarray(o + 11, o + 11 + size);
    o += 11 + size + 4;
    const kind = KIND[type];
    if (!kind || payload.length < 2) continue;
    const header = kind === "data" || (kind === "video" && payload[1] === 0) || (kind === "audio" && payload[1] === 0);
    if (kind === "video" && payload[1] === 2) continue; // end of sequence: not looped
    tags.push({ kind, dts, payload, header });
  }
  return tags;
}

/** Identity of a frame's payload: type, size and a few of its bytes. */
export function frameKey(kind: TrackKind | number, payload: Buffer): string {
  const n = payload.length;
  return `${kind}:${n}:${n >= 8 ? payload.readUInt32BE(n - 4) : 0}:${n >= 16 ? payload.readUInt32BE(n >> 1) : 0}`;
}

export class FlvPublisher {
  private client: RtmpPublishClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Send times (performance.now()) of each frame identity, in sending order. */
  readonly sent = new Map<string, number[]>();
  /** performance.now() when the server accepted the publish. */
  publishedAt = 0;

  constructor(private readonly tags: Tag[]) {}

  async start(url: string, streamKey: string): Promise<void> {
    const client = new RtmpPublishClient({ url, streamKey }, { connectTimeoutMs: 10_000 });
    this.client = client;
    await client.connect();
    this.publishedAt = performance.now();
    const headers = this.tags.filter((t) => t.header);
    const frames = this.tags.filter((t) => !t.header);
    for (const t of headers) client.write(encodeMedia(t.kind, 0, t.payload));
    const loopMs = frames[frames.length - 1]!.dts + 33;
    let i = 0;
    let loop = 0;
    const t0 = performance.now();
    const pump = () => {
      const now = performance.now() - t0;
      for (;;) {
        const tag = frames[i]!;
        const dts = tag.dts + loop * loopMs;
        if (dts > now) break;
        const key = frameKey(tag.kind, tag.payload);
        const at = performance.now();
        client.write(encodeMedia(tag.kind, dts, tag.payload));
        let list = this.sent.get(key);
        if (!list) this.sent.set(key, (list = []));
        list.push(at);
        if (++i === frames.length) {
          i = 0;
          loop += 1;
        }
      }
      this.timer = setTimeout(pump, 2);
    };
    pump();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.client?.close();
    this.client = null;
  }
}
