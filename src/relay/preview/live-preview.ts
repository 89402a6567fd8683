import type { HubReader, StreamHub } from "../hub.js";
import type { EncodedFrame } from "../media.js";
import { flvHeader, flvTag } from "../transcode/flv.js";

export interface LivePreviewOptions {
  /** Viewers of one stream at once; one more is refused. */
  maxViewersPerStream: number;
  /** FLV a viewer may have waiting before it counts as fallen behind and is cut. */
  queueLimitBytes: number;
}

/** Why a viewer's FLV ended. */
export type PreviewEnd = "stream_ended" | "fell_behind" | "closed";

export type OpenPreview = { ok: true; body: ReadableStream<Uint8Array> } | { ok: false; reason: "offline" | "full" };

/**
 * The live preview: each viewer is one HubReader writing the stream as HTTP-FLV (what mpegts.js
 * plays) into a queue of its own. The reader exists only while its HTTP response does, so a stream
 * nobody watches has no reader and costs nothing; a viewer whose queue passes the limit (a slow
 * network, a background tab) is cut rather than allowed to grow Prism's memory.
 */
export class LivePreviews {
  private readonly viewers = new Map<string, Set<PreviewViewer>>();

  constructor(
    private readonly hubOf: (streamId: string) => StreamHub | null,
    private readonly options: LivePreviewOptions,
    private readonly ended: (streamId: string, why: PreviewEnd) => void = () => {},
  ) {}

  open(streamId: string): OpenPreview {
    const hub = this.hubOf(streamId);
    if (!hub) return { ok: false, reason: "offline" };
    const set = this.viewers.get(streamId) ?? new Set<PreviewViewer>();
    if (set.size >= this.options.maxViewersPerStream) return { ok: false, reason: "full" };
    this.viewers.set(streamId, set);
    let viewer!: PreviewViewer;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        viewer = new PreviewViewer(controller, this.options.queueLimitBytes, (why) => {
          hub.detach(viewer);
          set.delete(viewer);
          if (set.size === 0 && this.viewers.get(streamId) === set) this.viewers.delete(streamId);
          this.ended(streamId, why);
        });
        set.add(viewer);
        viewer.begin(hub);
      },
      cancel: () => viewer.end("closed"),
    }, { highWaterMark: this.options.queueLimitBytes, size: (chunk) => chunk.byteLength });
    return { ok: true, body };
  }

  /** The stream ended: every viewer's FLV ends with it. */
  streamEnded(streamId: string): void {
    for (const viewer of [...(this.viewers.get(streamId) ?? [])]) viewer.end("stream_ended");
  }

  viewerCount(streamId: string): number {
    return this.viewers.get(streamId)?.size ?? 0;
  }

  /** Live streams with at least one viewer, for metrics. */
  counts(): Array<{ streamId: string; viewers: number }> {
    return [...this.viewers.entries()].map(([streamId, set]) => ({ streamId, viewers: set.size }));
  }

  close(): void {
    for (const streamId of [...this.viewers.keys()]) this.streamEnded(streamId);
  }
}

class PreviewViewer implements HubReader {
  /** Until the first keyframe only codec headers go out: a player must start on a picture. */
  private synced = false;
  private done = false;

  constructor(
    private readonly out: ReadableStreamDefaultController<Uint8Array>,
    private readonly queueLimitBytes: number,
    private readonly onEnd: (why: PreviewEnd) => void,
  ) {}

  begin(hub: StreamHub): void {
    this.write(flvHeader(true, true));
    // Headers and the current GOP from its keyframe: the picture shows at once, not at the next keyframe.
    for (const frame of hub.catchUp()) this.frame(frame);
    hub.attach(this);
  }

  frame(frame: EncodedFrame): void {
    // onMetaData as the hub keeps it is RTMP's @setDataFrame form, which is not an FLV script tag; players need none.
    if (this.done || frame.kind === "data") return;
    if (!this.synced && !frame.isHeader) {
      if (frame.kind !== "video" || !frame.isKeyframe) return;
      this.synced = true;
    }
    // desiredSize is the limit minus what waits unread: below zero, the viewer is that far behind.
    if ((this.out.desiredSize ?? 0) < 0) return this.end("fell_behind");
    this.write(flvTag(frame));
  }

  crashed(): void {
    this.end("closed");
  }

  end(why: PreviewEnd): void {
    if (this.done) return;
    this.done = true;
    this.onEnd(why);
    try {
      this.out.close();
    } catch {
      // already closed or cancelled by the client
    }
  }

  private write(bytes: Buffer): void {
    this.out.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  }
}
