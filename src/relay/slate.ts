import { encodeSlateClip, type SlateFormat } from "../media/ffmpeg.js";
import type { MediaPacket } from "./media.js";
import { Flv, isAvcEndOfSequence, toMediaPacket } from "./rtmp/nms.js";

export type { SlateFormat };

/** One GOP of the slate in the stream's format: codec headers, then frames in dts order from 0. */
export interface SlateClip {
  headers: MediaPacket[];
  frames: MediaPacket[];
  durationMs: number;
}

const CLIP_SECONDS = 2;
const cache = new Map<string, Promise<SlateClip>>();
const CACHE_LIMIT = 8;

/** Encodes (once per image and format) the clip to loop while a publisher is away. */
export function loadSlateClip(image: string, format: SlateFormat): Promise<SlateClip> {
  const key = JSON.stringify([image, format]);
  let clip = cache.get(key);
  if (!clip) {
    clip = encodeSlateClip(image, format, CLIP_SECONDS).then((flv) => parseClip(flv, format.fps));
    clip.catch(() => cache.delete(key));
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, clip);
  }
  return clip;
}

function parseClip(flv: Buffer, fps: number): SlateClip {
  const packets: MediaPacket[] = [];
  const parser = new Flv();
  parser.onPacketCallback = (packet) => {
    // ffmpeg ends the clip with an end-of-sequence tag; looping through it would tell decoders the stream ended.
    const media = isAvcEndOfSequence(packet) ? null : toMediaPacket(packet);
    if (media) packets.push({ ...media, payload: Buffer.from(media.payload) });
  };
  const err = parser.parserData(flv);
  if (err) throw new Error(`slate clip: ${err}`);
  // The slate's own metadata would overwrite the publisher's; only codec headers matter.
  const headers = packets.filter((p) => p.isHeader && p.kind !== "data");
  const frames = packets.filter((p) => !p.isHeader).sort((a, b) => a.dts - b.dts);
  if (!frames.some((f) => f.kind === "video" && f.isKeyframe)) throw new Error("slate clip has no keyframe");
  return { headers, frames, durationMs: Math.round((Math.round(fps * CLIP_SECONDS) * 1000) / fps) };
}

/**
 * Plays a clip in a loop at real-time pace. Timestamps run on from 0 across loops; the hub maps
 * them onto the stream's timeline.
 */
export class SlatePlayer {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private loop = 0;
  private next = 0;

  constructor(
    private readonly clip: SlateClip,
    private readonly emit: (packet: MediaPacket) => void,
  ) {}

  start(): void {
    for (const header of this.clip.headers) this.emit({ ...header, dts: 0 });
    this.startedAt = Date.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), 10);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const elapsed = Date.now() - this.startedAt;
    const { frames, durationMs } = this.clip;
    for (;;) {
      const frame = frames[this.next]!;
      const dts = this.loop * durationMs + frame.dts;
      if (dts > elapsed) return;
      this.emit({ ...frame, dts });
      if (++this.next === frames.length) {
        this.next = 0;
        this.loop += 1;
      }
    }
  }
}
