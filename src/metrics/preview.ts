import { Counter, Gauge, type Registry } from "prom-client";
import type { PreviewObserver } from "../relay/preview/index.js";

/**
 * Preview metrics: thumbnail decodes (one ffmpeg run each, so rate() of it is what the thumbnails
 * cost), live preview viewers per stream at scrape time, and why viewers were cut.
 */
export function previewMetrics(registry: Registry, viewers: () => Array<{ streamId: string; viewers: number }>): PreviewObserver {
  const decodes = new Counter({
    name: "prism_preview_thumbnail_decodes_total",
    help: "ffmpeg runs that decoded a stream's keyframe into its thumbnail, by outcome (ok, failed)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  new Gauge({
    name: "prism_preview_viewers",
    help: "Live preview players (HTTP-FLV) watching each stream right now",
    labelNames: ["stream_id"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { streamId, viewers: n } of viewers()) this.set({ stream_id: streamId }, n);
    },
  });
  const ended = new Counter({
    name: "prism_preview_viewer_ends_total",
    help: "Live preview players that stopped, by reason: closed (the viewer left), fell_behind (cut: its queue passed the limit), stream_ended",
    labelNames: ["reason"],
    registers: [registry],
  });
  return {
    thumbnailDecoded: (outcome) => decodes.inc({ outcome }),
    viewerEnded: (reason) => ended.inc({ reason }),
  };
}
