import type { AccountApi, PlannedBroadcast, ScheduleAnnouncer } from "../account-types.js";
import { endpoint, readJson } from "../platform-http.js";

const xMessage = (body: { detail?: string; title?: string }) => body.detail ?? body.title;

interface ScheduledBroadcastIds {
  broadcast_id?: string;
  scheduled_broadcast_id?: string;
}
/** The created broadcast; whether X wraps it in `data` like its other v2 answers is not shown in its docs, so both are read. */
type ScheduledBroadcastAnswer = ScheduledBroadcastIds & { data?: ScheduledBroadcastIds };

/**
 * X announces planned broadcasts only through the Enterprise Livestream API's scheduling routes
 * (POST /2/broadcasts/scheduled, scopes broadcast.read + broadcast.write), on a stream source the
 * account owns: set PRISM_X_LIVESTREAM_SOURCE_ID to it. The update (PUT) replaces every field and
 * wants the numeric scheduled_broadcast_id in its body, so both ids are kept ("<broadcast>:<scheduled>").
 */
export function xSchedule(settings: { apiUrl: string; sourceId: string | undefined; enterprise: boolean }): ScheduleAnnouncer {
  const body = (event: PlannedBroadcast, sourceId: string) => ({
    source_id: sourceId,
    scheduled_start_ms: String(event.startsAt.getTime()),
    ...(event.endsAt && { scheduled_end_ms: String(event.endsAt.getTime()) }),
    title: event.title.slice(0, 140),
    ...(event.description && { description: event.description.slice(0, 1000) }),
  });
  const json = { "Content-Type": "application/json" };
  const ids = (answer: ScheduledBroadcastAnswer) => {
    const { broadcast_id: broadcast, scheduled_broadcast_id: scheduled } = answer.data ?? answer;
    if (!broadcast || !scheduled) throw new Error("X answered without the scheduled broadcast's ids");
    return { externalId: `${broadcast}:${scheduled}`, url: `https://x.com/i/broadcasts/${encodeURIComponent(broadcast)}` };
  };

  return {
    unavailable() {
      if (!settings.enterprise) return "X announces planned broadcasts only through its Enterprise Livestream API: Prism is not set up for it (PRISM_X_CONSUMER_SECRET and PRISM_X_LIVESTREAM_SOURCE_ID unset).";
      if (!settings.sourceId) return "X's Enterprise scheduling needs the stream source to go live on: set PRISM_X_LIVESTREAM_SOURCE_ID.";
      return null;
    },

    async announce(api: AccountApi, event, existing) {
      const sourceId = settings.sourceId!;
      if (existing) {
        const [broadcast, scheduled] = existing.split(":");
        const res = await api.fetch(endpoint(settings.apiUrl, `/2/broadcasts/scheduled/${encodeURIComponent(broadcast!)}`), {
          method: "PUT",
          headers: json,
          body: JSON.stringify({ ...body(event, sourceId), scheduled_broadcast_id: scheduled }),
        });
        if (res.status !== 404) {
          await readJson(res, "X", "update the scheduled broadcast", xMessage);
          return { externalId: existing, url: `https://x.com/i/broadcasts/${encodeURIComponent(broadcast!)}` };
        }
      }
      const res = await api.fetch(endpoint(settings.apiUrl, "/2/broadcasts/scheduled"), { method: "POST", headers: json, body: JSON.stringify(body(event, sourceId)) });
      return ids(await readJson<ScheduledBroadcastAnswer>(res, "X", "schedule the broadcast", xMessage));
    },

    async withdraw(api, _event, externalId) {
      const [broadcast] = externalId.split(":");
      const res = await api.fetch(endpoint(settings.apiUrl, `/2/broadcasts/scheduled/${encodeURIComponent(broadcast!)}`), { method: "DELETE" });
      if (res.ok || res.status === 404) return;
      await readJson(res, "X", "remove the scheduled broadcast", xMessage);
    },
  };
}
