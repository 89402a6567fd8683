/**
 * The events Prism announces to automations (webhooks, Zapier, IFTTT, the event log), with one
 * documented example each. Every event has the same envelope: `{ id, type, createdAt, data }`.
 * Adding a type means adding it here and making something publish it; delivery is generic.
 */
import { platforms } from "../destinations/registry.js";
import type { PlatformAdapter } from "../destinations/types.js";

export const EVENT_TYPES = [
  "stream.started",
  "stream.ended",
  "stream.ingest_lost",
  "stream.ingest_resumed",
  "stream.ingest_switched",
  "destination.live",
  "destination.failed",
  "destination.recovered",
  "account.needs_reconnect",
  "comment.received",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

interface DestinationRef {
  streamId: string;
  streamName: string;
  destinationId: string;
  destinationName: string;
  platform: string;
}

export interface EventData {
  "stream.started": { streamId: string; streamName: string; startedAt: string };
  "stream.ended": { streamId: string; streamName: string; endedAt: string; reason: string; durationSec: number | null };
  "stream.ingest_lost": {
    streamId: string;
    streamName: string;
    lostAt: string;
    reason: string;
    /** `disconnected`: the connection dropped. `stalled`: still connected, but it sent nothing for PRISM_INGEST_STALL_MS. */
    cause: "disconnected" | "stalled";
    slateUntil: string;
  };
  "stream.ingest_resumed": { streamId: string; streamName: string; resumedAt: string; awaySec: number | null };
  "stream.ingest_switched": { streamId: string; streamName: string; from: "primary" | "backup"; to: "primary" | "backup"; reason: string; switchedAt: string };
  "destination.live": DestinationRef;
  "destination.failed": DestinationRef & {
    /** `failed`: the platform refused the stream, Prism stopped trying. `reconnecting`: still retrying. */
    state: "failed" | "reconnecting";
    reason: string;
    /** When the trouble began (the first drop or refusal). */
    since: string;
  };
  "destination.recovered": DestinationRef & { downtimeSec: number };
  "account.needs_reconnect": { accountId: string; platform: string; displayName: string; reason: string };
  "comment.received": {
    streamId: string;
    commentId: string;
    platform: string;
    author: { id: string; name: string };
    text: string;
    sentAt: string;
    /** message: plain chat; paid, membership, gift, raid: an engagement event (issue #17). */
    kind: "message" | "paid" | "membership" | "raid" | "gift";
    /** Money or platform currency attached (whole units; ISO 4217 or BITS), where there is some. */
    amount?: { value: number; currency: string };
  };
}

export interface PrismEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  createdAt: string;
  data: EventData[T];
}

interface CatalogEntry<T extends EventType> {
  description: string;
  example: EventData[T];
  /** IFTTT Webhooks carry three strings: who, where, what happened. */
  iftttValues(data: EventData[T]): [string, string, string];
}

// Examples name real platforms of the registry without naming them here: the first two that link accounts.
const [examplePlatform, otherExamplePlatform] = (Object.values(platforms) as PlatformAdapter[]).filter((p) => p.accounts);

const destinationExample: DestinationRef = {
  streamId: "3f1c2a9e-7a51-4c0e-9d0b-2f8e5c1b7a10",
  streamName: "Friday speedrun",
  destinationId: "9b7d4e21-0c3a-4f5e-8a6b-1d2c3e4f5a6b",
  destinationName: otherExamplePlatform!.displayName,
  platform: otherExamplePlatform!.id,
};

export const catalog: { [T in EventType]: CatalogEntry<T> } = {
  "stream.started": {
    description: "OBS started publishing to a stream: it is live and its enabled destinations are starting.",
    example: { streamId: destinationExample.streamId, streamName: "Friday speedrun", startedAt: "2025-06-06T19:00:02.114Z" },
    iftttValues: (d) => [d.streamName, "started", d.startedAt],
  },
  "stream.ended": {
    description: "The publisher stopped (or did not come back before the slate ran out); every destination of the stream has stopped.",
    example: {
      streamId: destinationExample.streamId,
      streamName: "Friday speedrun",
      endedAt: "2025-06-06T21:14:40.020Z",
      reason: "publisher disconnected",
      durationSec: 8078,
    },
    iftttValues: (d) => [d.streamName, "ended", d.reason],
  },
  "stream.ingest_lost": {
    description:
      "The publisher dropped off without stopping (OBS crashed, the network blipped: cause `disconnected`), or is still connected but has sent nothing for PRISM_INGEST_STALL_MS (a frozen encoder: cause `stalled`). Destinations stay connected and show the stream's slate until the publisher returns or slateUntil passes; then stream.ended follows.",
    example: {
      streamId: destinationExample.streamId,
      streamName: "Friday speedrun",
      lostAt: "2025-06-06T20:10:04.310Z",
      reason: "publisher disconnected",
      cause: "disconnected",
      slateUntil: "2025-06-06T20:15:04.310Z",
    },
    iftttValues: (d) => [d.streamName, d.cause === "stalled" ? "publisher stalled" : "publisher lost", `slate until ${d.slateUntil}`],
  },
  "stream.ingest_resumed": {
    description: "The publisher is back (reconnected, or sending again after a stall) after stream.ingest_lost; destinations switch from the slate to it at its first keyframe.",
    example: { streamId: destinationExample.streamId, streamName: "Friday speedrun", resumedAt: "2025-06-06T20:10:31.902Z", awaySec: 28 },
    iftttValues: (d) => [d.streamName, "publisher back", d.awaySec === null ? "" : `after ${d.awaySec} s`],
  },
  "stream.ingest_switched": {
    description:
      "Destinations went from one encoder to the other: to the backup encoder (backupStreamKey) when the primary dropped or stalled, back to the primary once it had been steady for PRISM_INGEST_PRIMARY_STEADY_SEC. The switch happens at the new encoder's next keyframe; destinations stay connected.",
    example: {
      streamId: destinationExample.streamId,
      streamName: "Friday speedrun",
      from: "primary",
      to: "backup",
      reason: "the primary encoder is connected but sent nothing for 2.0 s",
      switchedAt: "2025-06-06T20:10:03.118Z",
    },
    iftttValues: (d) => [d.streamName, `${d.from} → ${d.to}`, d.reason],
  },
  "destination.live": {
    description:
      "A destination is receiving the stream: once per start (the stream going live, or the destination being enabled). Short reconnects that nobody was told about are not announced again.",
    example: destinationExample,
    iftttValues: (d) => [d.destinationName, d.streamName, "live"],
  },
  "destination.failed": {
    description:
      "A destination is down: the platform refused the stream (state `failed`, Prism stops trying), or it has been reconnecting for longer than PRISM_DESTINATION_FAILED_AFTER_MS (state `reconnecting`, Prism keeps trying). Sent once per outage.",
    example: {
      ...destinationExample,
      state: "reconnecting",
      reason: "Connection refused by rtmp://backup.example.com:1935: no RTMP server is listening there. Check the URL and port.",
      since: "2025-06-06T20:03:11.500Z",
    },
    iftttValues: (d) => [d.destinationName, d.streamName, d.reason],
  },
  "destination.recovered": {
    description: "A destination that was announced as failed is live again. Only follows a destination.failed.",
    example: { ...destinationExample, downtimeSec: 47 },
    iftttValues: (d) => [d.destinationName, d.streamName, `back after ${d.downtimeSec} s`],
  },
  "account.needs_reconnect": {
    description: "A linked platform account stopped working (its authorization was revoked or expired): reconnect it in Prism.",
    example: { accountId: "a4e0c7d2-5b1f-4d8e-9c3a-6f2b1e0d9c8a", platform: examplePlatform!.id, displayName: "speedy_streams", reason: `${examplePlatform!.name ?? examplePlatform!.displayName} refused to refresh the access token (invalid refresh token).` },
    iftttValues: (d) => [d.displayName, d.platform, d.reason],
  },
  "comment.received": {
    description:
      "A chat message on one of the stream's platforms, after moderation, or an engagement event in the chat (kind paid, membership, gift, raid, with the amount and currency where there is one: a Super Chat, a cheer). Subscriptions can filter by platform and keyword.",
    example: {
      streamId: destinationExample.streamId,
      commentId: `${examplePlatform!.id}:5e0a1b2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c`,
      platform: examplePlatform!.id,
      author: { id: "123456789", name: "chat_fan" },
      text: "!discord please",
      sentAt: "2025-06-06T19:42:10.031Z",
      kind: "paid",
      amount: { value: 5, currency: "USD" },
    },
    iftttValues: (d) => [d.author.name, d.amount ? `${d.text} (${d.amount.value} ${d.amount.currency})` : d.text, d.platform],
  },
};

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export function iftttValues(event: PrismEvent): [string, string, string] {
  const entry = catalog[event.type] as CatalogEntry<EventType>;
  return entry.iftttValues(event.data as never);
}
