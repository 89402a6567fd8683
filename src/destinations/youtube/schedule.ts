import type { AccountApi, PlannedBroadcast, ScheduleAnnouncer } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import type { QuotaMethod } from "./quota.js";

/** What the announcer borrows from the account's YouTube client (account.ts): signed, quota-counted calls. */
export interface YouTubeCalls {
  call<T>(api: AccountApi, method: QuotaMethod, what: string, path: string, query: Record<string, string>, init?: { method?: string; body?: unknown }): Promise<T>;
  /** The account's reusable RTMP liveStream (created on first use). */
  liveStreamId(api: AccountApi): Promise<string>;
  privacy: string;
}

const notFound = (err: unknown) => err instanceof PlatformRefused && err.message.includes("(liveBroadcastNotFound)");

const snippet = (event: PlannedBroadcast) => ({
  title: event.title.slice(0, 100),
  description: (event.description ?? "").slice(0, 5000),
  scheduledStartTime: event.startsAt.toISOString(),
  ...(event.endsAt && { scheduledEndTime: event.endsAt.toISOString() }),
});

/**
 * A planned broadcast on YouTube is an upcoming liveBroadcast (viewers see it on the channel and can
 * ask to be notified), bound to the account's reusable stream so that the go-live within the event's
 * window goes live in it (account.ts `ingest`, given `StreamInfo.scheduled`). A change updates its
 * snippet (liveBroadcasts.update needs scheduledStartTime); a cancel deletes it.
 */
export function youtubeSchedule(yt: YouTubeCalls): ScheduleAnnouncer {
  const announced = (id: string) => ({ externalId: id, url: `https://www.youtube.com/watch?v=${encodeURIComponent(id)}` });

  return {
    async announce(api, event, existing) {
      if (existing) {
        try {
          await yt.call(api, "liveBroadcasts.update", "update the upcoming broadcast", "/liveBroadcasts", { part: "id,snippet" }, {
            method: "PUT",
            body: { id: existing, snippet: snippet(event) },
          });
          return announced(existing);
        } catch (err) {
          // Deleted in YouTube Studio meanwhile: announce it anew.
          if (!notFound(err)) throw err;
        }
      }
      const broadcast = await yt.call<{ id: string }>(api, "liveBroadcasts.insert", "schedule the broadcast", "/liveBroadcasts", { part: "snippet,status,contentDetails" }, {
        method: "POST",
        body: {
          snippet: snippet(event),
          status: { privacyStatus: yt.privacy, selfDeclaredMadeForKids: false },
          contentDetails: { enableAutoStart: false, enableAutoStop: false, monitorStream: { enableMonitorStream: false } },
        },
      });
      const streamId = await yt.liveStreamId(api);
      await yt.call(api, "liveBroadcasts.bind", "bind the upcoming broadcast to the stream", "/liveBroadcasts/bind", { id: broadcast.id, streamId, part: "id,contentDetails" }, { method: "POST" });
      return announced(broadcast.id);
    },

    async withdraw(api, _event, externalId) {
      try {
        await yt.call(api, "liveBroadcasts.delete", "remove the upcoming broadcast", "/liveBroadcasts", { id: externalId }, { method: "DELETE" });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    },
  };
}
