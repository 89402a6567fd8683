import type { AccountApi, PlannedBroadcast, ScheduleAnnouncer } from "../account-types.js";
import { endpoint, readJson } from "../platform-http.js";

const helixMessage = (body: { message?: string; error?: string }) => body.message ?? body.error;

/** Helix's bounds on a segment's length in minutes (its default, 240, for an open-ended event). */
const MIN_MINUTES = 30;
const MAX_MINUTES = 1380;
const DEFAULT_MINUTES = 240;

export function segmentMinutes(event: PlannedBroadcast): number {
  if (!event.endsAt) return DEFAULT_MINUTES;
  const minutes = Math.ceil((event.endsAt.getTime() - event.startsAt.getTime()) / 60_000);
  return Math.min(MAX_MINUTES, Math.max(MIN_MINUTES, minutes));
}

/**
 * A planned broadcast on Twitch is a one-off segment of the channel's stream schedule
 * (POST /helix/schedule/segment, scope channel:manage:schedule): title and start, shown on the
 * channel's Schedule tab. A change PATCHes it; a cancel DELETEs it. Twitch keeps schedules for
 * Affiliates and Partners only, and says so when it refuses.
 */
export function twitchSchedule(settings: { apiUrl: string; clientId: string }): ScheduleAnnouncer {
  const url = (api: AccountApi, query: Record<string, string> = {}) =>
    endpoint(settings.apiUrl, "/helix/schedule/segment", { broadcaster_id: api.account.platformUserId, ...query });
  const headers = { "Client-Id": settings.clientId, "Content-Type": "application/json" };
  const body = (event: PlannedBroadcast) => ({
    start_time: event.startsAt.toISOString(),
    // Prism sends UTC instants: the time zone only matters to recurring segments, which Prism does not make.
    timezone: "Etc/UTC",
    duration: String(segmentMinutes(event)),
    title: event.title.slice(0, 140),
  });
  const segmentOf = (answer: { data?: { segments?: Array<{ id: string }> | null; broadcaster_login?: string } }) => {
    const id = answer.data?.segments?.[0]?.id;
    if (!id) throw new Error("Twitch answered without the schedule segment");
    const login = answer.data?.broadcaster_login;
    return { externalId: id, ...(login && { url: `https://www.twitch.tv/${encodeURIComponent(login)}/schedule` }) };
  };

  return {
    async announce(api, event, existing) {
      if (existing) {
        const res = await api.fetch(url(api, { id: existing }), { method: "PATCH", headers, body: JSON.stringify(body(event)) });
        // A segment deleted on Twitch meanwhile is created anew.
        if (res.status !== 404) return segmentOf(await readJson(res, "Twitch", "update the schedule segment", helixMessage));
      }
      const res = await api.fetch(url(api), { method: "POST", headers, body: JSON.stringify({ ...body(event), is_recurring: false }) });
      return segmentOf(await readJson(res, "Twitch", "add the schedule segment", helixMessage));
    },

    async withdraw(api, _event, externalId) {
      const res = await api.fetch(url(api, { id: externalId }), { method: "DELETE", headers });
      // Gone already (removed on Twitch) is what a cancel wants.
      if (res.ok || res.status === 404) return;
      await readJson(res, "Twitch", "remove the schedule segment", helixMessage);
    },
  };
}
