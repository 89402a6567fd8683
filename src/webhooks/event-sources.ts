import { localEvents, type EventBus, type ScheduledEventPayload } from "../bus.js";
import { DestinationEventDeriver, type DestinationLookup } from "./destination-events.js";
import type { Publish } from "./event-publisher.js";

/**
 * Where catalog events come from: the bus, and nothing else. Webhooks know the bus's event types;
 * nobody who emits them knows webhooks exist. Returns a function that unsubscribes everything.
 */
export function connectEventSources(everyEvent: EventBus, publish: Publish, lookup: DestinationLookup, options: { failedAfterMs: number }): () => void {
  // An event enters the outbox on the node that emitted it, so once cluster-wide.
  const bus = localEvents(everyEvent);
  const startedAt = new Map<string, number>();
  const lostAt = new Map<string, number>();
  const destinations = new DestinationEventDeriver(options, lookup, publish);
  const unsubscribe = [
    bus.on("stream.started", (e) => {
      // Taken over after its node died: for an automation it is the broadcast coming back, not a new one. How long it
      // was away and when it began are the dead node's to know (the session report has both).
      if (e.continued) return publish("stream.ingest_resumed", { streamId: e.streamId, streamName: e.name, resumedAt: e.at, awaySec: null }, new Date(e.at));
      startedAt.set(e.streamId, Date.parse(e.at));
      publish("stream.started", { streamId: e.streamId, streamName: e.name, startedAt: e.at }, new Date(e.at));
    }),
    bus.on("stream.ended", (e) => {
      lostAt.delete(e.streamId);
      const started = startedAt.get(e.streamId);
      startedAt.delete(e.streamId);
      const durationSec = started === undefined ? null : Math.max(0, Math.round((Date.parse(e.at) - started) / 1000));
      publish("stream.ended", { streamId: e.streamId, streamName: e.name, endedAt: e.at, reason: e.reason, durationSec }, new Date(e.at));
    }),
    bus.on("stream.ingest_lost", (e) => {
      lostAt.set(e.streamId, Date.parse(e.at));
      publish("stream.ingest_lost", { streamId: e.streamId, streamName: e.name, lostAt: e.at, reason: e.reason, cause: e.cause, slateUntil: e.slateUntil }, new Date(e.at));
    }),
    bus.on("stream.ingest_switched", (e) =>
      publish("stream.ingest_switched", { streamId: e.streamId, streamName: e.name, from: e.from, to: e.to, reason: e.reason, switchedAt: e.at }, new Date(e.at)),
    ),
    bus.on("stream.ingest_resumed", (e) => {
      const lost = lostAt.get(e.streamId);
      lostAt.delete(e.streamId);
      const awaySec = lost === undefined ? null : Math.max(0, Math.round((Date.parse(e.at) - lost) / 1000));
      publish("stream.ingest_resumed", { streamId: e.streamId, streamName: e.name, resumedAt: e.at, awaySec }, new Date(e.at));
    }),
    bus.on("destination.state", (e) => destinations.onState(e)),
    bus.on("account.needs_reconnect", (e) =>
      publish("account.needs_reconnect", { accountId: e.accountId, platform: e.platform, displayName: e.displayName, reason: e.reason }, new Date(e.at)),
    ),
    bus.on("recording.ready", (e) =>
      publish(
        "recording.ready",
        {
          recordingId: e.recordingId,
          streamId: e.streamId,
          streamName: e.name,
          startedAt: e.startedAt,
          endedAt: e.endedAt,
          durationSec: e.durationSec,
          sizeBytes: e.sizeBytes,
          repaired: e.repaired,
          downloadUrl: `/api/v1/recordings/${e.recordingId}/download`,
        },
        new Date(e.at),
      ),
    ),
    bus.on("recording.paused", (e) =>
      publish("recording.paused", { recordingId: e.recordingId, streamId: e.streamId, streamName: e.name, reason: e.reason, freeBytes: e.freeBytes, pausedAt: e.at }, new Date(e.at)),
    ),
    bus.on("clip.ready", (e) =>
      publish(
        "clip.ready",
        {
          recordingId: e.recordingId,
          streamId: e.streamId,
          streamName: e.name,
          clipId: e.clipId,
          title: e.title,
          startSec: e.startSec,
          endSec: e.endSec,
          durationSec: e.durationSec,
          precise: e.precise,
          sizeBytes: e.sizeBytes,
          downloadUrl: `/api/v1/clips/${e.clipId}/download`,
        },
        new Date(e.at),
      ),
    ),
    bus.on("comment.received", (e) =>
      publish("comment.received", {
        streamId: e.streamId,
        commentId: e.id,
        platform: e.platform,
        author: { id: e.author.id, name: e.author.name },
        text: e.text,
        sentAt: e.sentAt,
        kind: e.kind ?? "message",
        ...(e.amount && { amount: { ...e.amount } }),
      }),
    ),
    bus.on("session.report_ready", (e) => publish("session.report_ready", e.report, new Date(e.at))),
    bus.on("event.scheduled", (e) => publish("event.scheduled", scheduledRef(e), new Date(e.at))),
    bus.on("event.starting_soon", (e) => publish("event.starting_soon", scheduledRef(e), new Date(e.at))),
    bus.on("event.started", (e) => publish("event.started", { ...scheduledRef(e), startedAt: e.at }, new Date(e.at))),
    bus.on("event.cancelled", (e) => publish("event.cancelled", scheduledRef(e), new Date(e.at))),
    bus.on("event.missed", (e) => publish("event.missed", { ...scheduledRef(e), reason: e.reason }, new Date(e.at))),
  ];
  return () => {
    for (const off of unsubscribe) off();
    destinations.stop();
  };
}

/** A scheduled event as the catalog shows it: the bus payload without its emission time. */
function scheduledRef(e: ScheduledEventPayload) {
  return { eventId: e.eventId, streamId: e.streamId, title: e.title, startsAt: e.startsAt, endsAt: e.endsAt, source: e.source };
}
