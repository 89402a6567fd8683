import type { EventBus } from "../bus.js";
import { DestinationEventDeriver, type DestinationLookup } from "./destination-events.js";
import type { Publish } from "./event-publisher.js";

/**
 * Where catalog events come from: the bus, and nothing else. Webhooks know the bus's event types;
 * nobody who emits them knows webhooks exist. Returns a function that unsubscribes everything.
 */
export function connectEventSources(bus: EventBus, publish: Publish, lookup: DestinationLookup, options: { failedAfterMs: number }): () => void {
  const startedAt = new Map<string, number>();
  const lostAt = new Map<string, number>();
  const destinations = new DestinationEventDeriver(options, lookup, publish);
  const unsubscribe = [
    bus.on("stream.started", (e) => {
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
  ];
  return () => {
    for (const off of unsubscribe) off();
    destinations.stop();
  };
}
