import { PlatformRefused } from "../account-types.js";
import type { AccountApi, StreamInfo } from "../account-types.js";
import { ChatSlowDown } from "../chat-loop.js";
import type { ViewerCountSupport } from "../viewer-types.js";
import { untilQuotaReset, type QuotaMethod } from "./quota.js";

/** The fields of videos.list?part=liveStreamingDetails Prism reads (@googleapis/youtube's Schema$VideoLiveStreamingDetails). */
interface VideoList {
  items?: Array<{ id?: string | null; liveStreamingDetails?: { concurrentViewers?: string | null; actualStartTime?: string | null; actualEndTime?: string | null } | null }> | null;
}

/** How YouTube's viewer reads call the API: the broadcasts' call, which counts each call's quota units. */
export type YouTubeCall = <T>(api: AccountApi, method: QuotaMethod, what: string, path: string, query: Record<string, string>) => Promise<T>;

/** What YouTube says when the count is absent: the owner hides it (YouTube also leaves it out while nobody watches). */
export const HIDDEN = "hidden";

/**
 * YouTube's live viewer count: videos.list?part=liveStreamingDetails&id=<the go-live's broadcast>
 * (a broadcast's id is its video's id) → liveStreamingDetails.concurrentViewers, a string. 1 quota
 * unit a call, counted in the same ledger as the chat's. Absent, it reads "hidden". Without the
 * go-live's broadcast (Prism restarted while live), the channel's active broadcast is looked up once
 * (1 unit more).
 */
export function youtubeViewers(options: { intervalMs: number; call: YouTubeCall; broadcastOf(destinationId: string): string | undefined }): ViewerCountSupport {
  const active = new Map<string, string>();

  async function broadcastId(api: AccountApi, stream: StreamInfo): Promise<string | undefined> {
    const known = options.broadcastOf(stream.destinationId) ?? active.get(stream.destinationId);
    if (known) return known;
    const found = await options.call<{ items?: Array<{ id?: string }> }>(api, "liveBroadcasts.list", "find the active broadcast", "/liveBroadcasts", { part: "id", broadcastStatus: "active", broadcastType: "all" });
    const id = found.items?.[0]?.id;
    if (id) active.set(stream.destinationId, id);
    return id;
  }

  return {
    intervalMs: options.intervalMs,
    async read(api, stream) {
      try {
        const id = await broadcastId(api, stream);
        if (!id) return { unavailable: "not live on YouTube yet" };
        const videos = await options.call<VideoList>(api, "videos.list", "tell the broadcast's viewers", "/videos", { part: "liveStreamingDetails", id });
        const details = videos.items?.[0]?.liveStreamingDetails;
        if (!details?.actualStartTime || details.actualEndTime) {
          active.delete(stream.destinationId);
          return { unavailable: "not live on YouTube yet" };
        }
        const count = Number(details.concurrentViewers);
        return details.concurrentViewers && Number.isFinite(count) ? { count } : { unavailable: HIDDEN };
      } catch (err) {
        throw slowDownFor(err);
      }
    },
  };
}

/** Quota and rate refusals are waits, not failures: until midnight Pacific for the daily quota. */
function slowDownFor(err: unknown): unknown {
  if (!(err instanceof PlatformRefused)) return err;
  if (err.message.includes("(quotaExceeded)")) {
    return new ChatSlowDown("YouTube's daily API quota is used up; viewer counts resume when it resets at midnight Pacific time", untilQuotaReset(new Date()));
  }
  if (err.message.includes("(rateLimitExceeded)")) return new ChatSlowDown("YouTube asks Prism to read less often");
  return err;
}
