/**
 * The events Prism announces to automations (webhooks, Zapier, IFTTT, the event log), with one
 * documented example each. Every event has the same envelope: `{ id, type, createdAt, data }`.
 * Adding a type means adding it here and making something publish it; delivery is generic.
 */
import { platforms } from "../destinations/registry.js";
import type { PlatformAdapter } from "../destinations/types.js";
import type { SessionReport } from "../core/session-report.js";

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
  "recording.ready",
  "recording.paused",
  "clip.ready",
  "session.report_ready",
  "event.scheduled",
  "event.starting_soon",
  "event.started",
  "event.cancelled",
  "event.missed",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

interface DestinationRef {
  streamId: string;
  streamName: string;
  destinationId: string;
  destinationName: string;
  platform: string;
}

/** A scheduled event (issue #18) as automations see it. */
interface ScheduledEventRef {
  eventId: string;
  streamId: string;
  title: string;
  startsAt: string;
  endsAt: string | null;
  source: { type: "live" } | { type: "media"; mediaId: string; loop: boolean };
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
  /** `reconnects`: the destination's count of drops it came back from in this run (src/core/destination-tally.ts), as health and /metrics report it. */
  "destination.recovered": DestinationRef & { downtimeSec: number; reconnects: number };
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
  "event.scheduled": ScheduledEventRef;
  "event.starting_soon": ScheduledEventRef;
  "event.started": ScheduledEventRef & { startedAt: string };
  "event.cancelled": ScheduledEventRef;
  "event.missed": ScheduledEventRef & { reason: string };
  /** The broadcast session's report, as GET /api/v1/sessions/:sessionId answers it. */
  "session.report_ready": SessionReport;
  "recording.ready": RecordingRef & {
    startedAt: string;
    endedAt: string | null;
    durationSec: number | null;
    sizeBytes: number;
    /** true: Prism stopped during the session; the recording was made at its next start, up to that moment. */
    repaired: boolean;
    downloadUrl: string;
  };
  "recording.paused": RecordingRef & { reason: string; freeBytes: number; pausedAt: string };
  "clip.ready": RecordingRef & {
    clipId: string;
    title: string | null;
    startSec: number;
    endSec: number;
    durationSec: number;
    precise: boolean;
    sizeBytes: number;
    downloadUrl: string;
  };
}

export interface RecordingRef {
  recordingId: string;
  streamId: string;
  streamName: string;
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

const scheduledExample: ScheduledEventRef = {
  eventId: "sev_4b1e0c9d2a3f4e5d8c7b6a5f4e3d2c1b",
  streamId: destinationExample.streamId,
  title: "Friday speedrun: any% attempts",
  startsAt: "2025-06-06T19:00:00.000Z",
  endsAt: "2025-06-06T22:00:00.000Z",
  source: { type: "live" },
};
const recordingExample: RecordingRef = { recordingId: "rec_4f1c2a9e7a514c0e9d0b2f8e5c1b7a10", streamId: destinationExample.streamId, streamName: "Friday speedrun" };
/** A two-hour session with one outage on the second destination: the report's documented example (also the API's). */
export const sessionReportExample: SessionReport = {
  id: "c0a8f3e2-41d7-4b6e-9a5c-8e2f1d3b4a60",
  streamId: destinationExample.streamId,
  streamName: "Friday speedrun",
  startedAt: "2025-06-06T19:00:02.114Z",
  endedAt: "2025-06-06T21:14:40.020Z",
  endReason: "publisher disconnected",
  durationSec: 8077.9,
  slateSec: 27.6,
  switches: 2,
  destinations: [
    {
      id: "4c2e6a8b-0d1f-4e3a-9b5c-7d9e1f3a5b7c",
      name: examplePlatform!.displayName,
      platform: examplePlatform!.id,
      uptimePct: 99.9,
      reconnects: 0,
      longestOutageSec: 0,
      avgBitrateKbps: 6012,
      warnings: [],
      outages: [],
    },
    {
      id: destinationExample.destinationId,
      name: destinationExample.destinationName,
      platform: destinationExample.platform,
      uptimePct: 99.3,
      reconnects: 1,
      longestOutageSec: 47.2,
      avgBitrateKbps: 5987,
      warnings: ["The platform closed the connection (connection reset by peer)."],
      outages: [{ from: "2025-06-06T20:03:11.500Z", to: "2025-06-06T20:03:58.700Z", sec: 47.2 }],
    },
  ],
  viewers: {
    peak: 1342,
    peakAt: "2025-06-06T20:41:10.000Z",
    byPlatform: {
      [examplePlatform!.id]: { peak: 911, peakAt: "2025-06-06T20:41:10.000Z", average: 640 },
      [otherExamplePlatform!.id]: { peak: null, peakAt: null, average: null, unavailable: "hidden" },
    },
  },
  chat: {
    messages: 4210,
    uniqueChatters: 388,
    byPlatform: {
      [examplePlatform!.id]: { messages: 3102, uniqueChatters: 270 },
      [otherExamplePlatform!.id]: { messages: 1108, uniqueChatters: 118 },
    },
  },
  engagement: {
    events: 23,
    byKind: { paid: 17, membership: 5, raid: 1 },
    amounts: { USD: 84.5, BITS: 2300 },
    byPlatform: {
      [examplePlatform!.id]: { events: 12, amounts: { BITS: 2300 } },
      [otherExamplePlatform!.id]: { events: 11, amounts: { USD: 84.5 } },
    },
  },
};

export const catalog: { [T in EventType]: CatalogEntry<T> } = {
  "stream.started": {
    description: "OBS started publishing to a stream: it is live and its enabled destinations are starting.",
    example: { streamId: destinationExample.streamId, streamName: "Friday speedrun", startedAt: "2025-06-06T19:00:02.114Z" },
    iftttValues: (d) => [d.streamName, "started", d.startedAt],
  },
  "stream.ended": {
    description:
      "The publisher stopped (or did not come back before the slate ran out); every destination of the stream has stopped. durationSec is null when the node ending the stream did not start it (a cluster took it over after a node died); the session report has the whole broadcast.",
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
    description:
      "The publisher is back (reconnected, or sending again after a stall) after stream.ingest_lost; destinations switch from the slate to it at its first keyframe. In a cluster, also when another node took the broadcast over after the stream's node died (then with awaySec null, no stream.ingest_lost before it, and no second stream.started).",
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
    example: { ...destinationExample, downtimeSec: 47, reconnects: 1 },
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
  "recording.ready": {
    description:
      "A broadcast session's recording is ready to download and clip: an MP4 (faststart, not re-encoded) of the whole session, across publisher drops and the slate. Also sent when a recording left unfinished by a crash was repaired at start (repaired: true).",
    example: {
      ...recordingExample,
      startedAt: "2025-06-06T19:00:02.114Z",
      endedAt: "2025-06-06T21:14:40.020Z",
      durationSec: 8077.9,
      sizeBytes: 6_062_000_000,
      repaired: false,
      downloadUrl: "/api/v1/recordings/rec_4f1c2a9e7a514c0e9d0b2f8e5c1b7a10/download",
    },
    iftttValues: (d) => [d.streamName, "recording ready", d.downloadUrl],
  },
  "recording.paused": {
    description:
      "Recording paused because the recordings disk has less free space than PRISM_RECORDINGS_MIN_FREE_MB; relaying goes on. Recording resumes by itself (at the next keyframe) once there is room again.",
    example: {
      ...recordingExample,
      reason: "Recording is paused: the recordings disk has 812 MiB free, below PRISM_RECORDINGS_MIN_FREE_MB (1024 MiB). Relaying goes on; free some space (or delete recordings) and recording resumes.",
      freeBytes: 851_443_712,
      pausedAt: "2025-06-06T20:41:12.000Z",
    },
    iftttValues: (d) => [d.streamName, "recording paused", d.reason],
  },
  "clip.ready": {
    description:
      "A clip is ready to download: cut from a recording (POST /recordings/:id/clips) or from the live session (POST /streams/:id/clips, the 'clip that' action). A copied clip starts at the keyframe at or before the start asked for (startSec says where).",
    example: {
      ...recordingExample,
      clipId: "clip_9b7d4e210c3a4f5e8a6b1d2c3e4f5a6b",
      title: "Clutch!",
      startSec: 754,
      endSec: 785,
      durationSec: 31,
      precise: false,
      sizeBytes: 23_500_000,
      downloadUrl: "/api/v1/clips/clip_9b7d4e210c3a4f5e8a6b1d2c3e4f5a6b/download",
    },
    iftttValues: (d) => [d.title ?? d.streamName, "clip ready", d.downloadUrl],
  },
  "session.report_ready": {
    description:
      "A broadcast session (first publish to final end) ended and its report is stored: duration, slate time, encoder switches, each destination's uptime, reconnects, longest outage and average bitrate, viewers (peak, when, per platform), chat and engagement counts. The same report as GET /api/v1/sessions/{sessionId}; a session Prism did not get to end (a crash) is reported when it starts again, closed at its last minute.",
    example: sessionReportExample,
    iftttValues: (d) => [d.streamName, `${Math.round(d.durationSec / 60)} min, peak ${d.viewers.peak ?? "n/a"} viewers`, `${d.chat.messages} chat messages`],
  },
  "event.scheduled": {
    description: "A broadcast was planned on a stream (POST /streams/:id/events), or changed (PATCH /events/:eventId): sent again with the new title and times.",
    example: scheduledExample,
    iftttValues: (d) => [d.title, "scheduled", d.startsAt],
  },
  "event.starting_soon": {
    description: "A scheduled event starts within PRISM_EVENT_STARTING_SOON_MIN minutes (15 by default): time to post a reminder. Sent once per start time.",
    example: scheduledExample,
    iftttValues: (d) => [d.title, "starting soon", d.startsAt],
  },
  "event.started": {
    description:
      "A scheduled event started: a media event at its start time (its file starts playing into the stream), a live event once its publisher is live at or after its start time.",
    example: { ...scheduledExample, startedAt: "2025-06-06T19:00:00.412Z" },
    iftttValues: (d) => [d.title, "started", d.startedAt],
  },
  "event.cancelled": {
    description: "A scheduled event was cancelled (DELETE /events/:eventId or the cancel-event action); each platform's announcement is taken back.",
    example: scheduledExample,
    iftttValues: (d) => [d.title, "cancelled", d.startsAt],
  },
  "event.missed": {
    description:
      "A scheduled live event's start passed and nothing published to the stream within PRISM_EVENT_MISSED_GRACE_SEC seconds (600 by default), or Prism was not running at its start.",
    example: { ...scheduledExample, reason: "nobody published to the stream within the grace period after its start" },
    iftttValues: (d) => [d.title, "missed", d.reason],
  },
};


export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export function iftttValues(event: PrismEvent): [string, string, string] {
  const entry = catalog[event.type] as CatalogEntry<EventType>;
  return entry.iftttValues(event.data as never);
}
