import type { EventBus } from "../../bus.js";
import type { Relay } from "../relay.js";
import { BitrateHistory, type StreamBitrateHistory } from "../bitrate-history.js";
import { LivePreviews, type OpenPreview, type PreviewEnd } from "./live-preview.js";
import { Thumbnails, type DecodeOutcome, type Thumbnail } from "./thumbnails.js";

/** A thumbnail is decoded again at most this often, whatever the number of viewers. */
export const THUMBNAIL_REFRESH_MS = 5_000;
/** Wide enough for the stream page, small enough to poll: a 640-wide JPEG is 20–60 KB. */
const THUMBNAIL_MAX_WIDTH = 640;
/** Preview players per stream: the streamer and a producer or two, never an audience. */
export const MAX_PREVIEW_VIEWERS_PER_STREAM = 4;
/** About 5 s of a 6 Mbps stream waiting for one viewer before it is cut. */
export const PREVIEW_QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;
/** Five minutes of sparkline, one sample a second. */
export const HISTORY_INTERVAL_MS = 1_000;
const HISTORY = { samples: 300, intervalMs: HISTORY_INTERVAL_MS };

export interface PreviewObserver {
  thumbnailDecoded(outcome: DecodeOutcome): void;
  viewerEnded(reason: PreviewEnd): void;
}

export interface Preview {
  thumbnail(streamId: string): Promise<Thumbnail | null>;
  openLive(streamId: string): OpenPreview;
  history(streamId: string): StreamBitrateHistory | null;
  viewerCounts(): Array<{ streamId: string; viewers: number }>;
  /** Observer of decodes and viewer ends (metrics), settable once the registry exists. */
  observe(observer: PreviewObserver): void;
  start(): void;
  stop(): void;
}

/** The preview of every live stream: thumbnails, live players and bitrate history, over the relay's hubs. */
export function createPreview(relay: Pick<Relay, "hubOf" | "liveStreams">, bus: EventBus): Preview {
  let observer: PreviewObserver | null = null;
  const hubOf = (streamId: string) => relay.hubOf(streamId);
  const thumbnails = new Thumbnails(hubOf, { refreshMs: THUMBNAIL_REFRESH_MS, maxWidth: THUMBNAIL_MAX_WIDTH }, (outcome) => observer?.thumbnailDecoded(outcome));
  const live = new LivePreviews(hubOf, { maxViewersPerStream: MAX_PREVIEW_VIEWERS_PER_STREAM, queueLimitBytes: PREVIEW_QUEUE_LIMIT_BYTES }, (_id, why) => observer?.viewerEnded(why));
  const history = new BitrateHistory(() => relay.liveStreams(), HISTORY);
  let unsubscribe = () => {};
  return {
    thumbnail: (streamId) => thumbnails.get(streamId),
    openLive: (streamId) => live.open(streamId),
    history: (streamId) => history.of(streamId),
    viewerCounts: () => live.counts(),
    observe: (o) => void (observer = o),
    start() {
      history.start();
      unsubscribe = bus.on("stream.ended", ({ streamId }) => {
        live.streamEnded(streamId);
        thumbnails.forget(streamId);
      });
    },
    stop() {
      unsubscribe();
      history.stop();
      live.close();
    },
  };
}
