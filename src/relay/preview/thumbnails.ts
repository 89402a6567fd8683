import type { StreamHub } from "../hub.js";
import { flvHeader, flvTag } from "../transcode/flv.js";
import { keyframeToJpeg } from "../../media/ffmpeg.js";

export interface Thumbnail {
  jpeg: Buffer;
  /** When the keyframe it shows was taken from the hub. */
  takenAt: Date;
}

export interface ThumbnailOptions {
  /** A picture younger than this is served as it is; an older one is replaced on the next request. */
  refreshMs: number;
  /** Widest picture made; smaller streams keep their size. */
  maxWidth: number;
}

export type DecodeOutcome = "ok" | "failed";

interface Entry {
  hub: StreamHub;
  latest: Thumbnail | null;
  /** When the last decode started, whatever its outcome: a failing one is not retried before the next refresh. */
  triedAt: number;
  pending: Promise<Thumbnail | null> | null;
}

/**
 * A JPEG of each live stream's latest keyframe, made on demand: the first request after a picture
 * is `refreshMs` old starts one ffmpeg and every request meanwhile waits for that same decode
 * (single flight), so viewers cost one decode per refresh however many there are, and a stream
 * nobody looks at costs nothing. The picture comes from the hub's cached codec headers and GOP
 * (its catch-up), so no reader stays attached.
 */
export class Thumbnails {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly hubOf: (streamId: string) => StreamHub | null,
    private readonly options: ThumbnailOptions,
    private readonly decoded: (outcome: DecodeOutcome) => void = () => {},
  ) {}

  /** null when the stream is not live, or has shown no keyframe yet. */
  async get(streamId: string): Promise<Thumbnail | null> {
    const hub = this.hubOf(streamId);
    if (!hub) {
      this.entries.delete(streamId);
      return null;
    }
    let entry = this.entries.get(streamId);
    if (!entry || entry.hub !== hub) {
      // A new broadcast session: the last one's picture is not this one's.
      entry = { hub, latest: null, triedAt: 0, pending: null };
      this.entries.set(streamId, entry);
    }
    if (entry.pending) return entry.pending;
    if (Date.now() - entry.triedAt < this.options.refreshMs) return entry.latest;
    return this.refresh(entry);
  }

  /** Forgets an ended stream's picture at once (a request would also find it gone). */
  forget(streamId: string): void {
    this.entries.delete(streamId);
  }

  private refresh(entry: Entry): Promise<Thumbnail | null> {
    const flv = keyframeFlv(entry.hub);
    if (!flv) return Promise.resolve(entry.latest);
    entry.triedAt = Date.now();
    const takenAt = new Date();
    entry.pending = keyframeToJpeg(flv, this.options.maxWidth).then(
      (jpeg) => {
        this.decoded("ok");
        entry.latest = { jpeg, takenAt };
        return entry.latest;
      },
      () => {
        // An undecodable keyframe keeps the last good picture; the next refresh tries a new one.
        this.decoded("failed");
        return entry.latest;
      },
    );
    void entry.pending.finally(() => (entry.pending = null));
    return entry.pending;
  }
}

/** The hub's codec headers and its current keyframe as a tiny FLV; null before the first keyframe. */
function keyframeFlv(hub: StreamHub): Buffer | null {
  const frames = hub.catchUp();
  const keyframe = frames.find((f) => f.kind === "video" && f.isKeyframe && !f.isHeader);
  const videoHeader = frames.find((f) => f.kind === "video" && f.isHeader);
  if (!keyframe || !videoHeader) return null;
  return Buffer.concat([flvHeader(false, true), flvTag(videoHeader), flvTag(keyframe)]);
}
