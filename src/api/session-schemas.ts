import { z } from "@hono/zod-openapi";
import { sessionReportExample } from "../webhooks/catalog.js";
import { OutputStateSchema } from "./schemas.js";

// Examples for the API reference tell the story of the webhook catalog's report (one outage on the second destination).
const [first, second] = sessionReportExample.destinations;
const platformA = first!.platform;

const amounts = z.record(z.string(), z.number()).openapi({ description: "Totals by currency (ISO 4217, or BITS)" });

const DestinationReportSchema = z.object({
  id: z.string(),
  name: z.string(),
  platform: z.string(),
  uptimePct: z.number().openapi({ description: "Share of the session the destination was live (0–100, one decimal)" }),
  reconnects: z.number().int().openapi({ description: "Times it came back live after dropping" }),
  longestOutageSec: z.number(),
  avgBitrateKbps: z.number().nullable().openapi({ description: "Bytes sent over the time live; null if it never went live" }),
  warnings: z.array(z.string()).openapi({ description: "Distinct errors and platform-rule warnings seen (at most 10)" }),
  outages: z.array(z.object({ from: z.string(), to: z.string(), sec: z.number() })).openapi({ description: "Each drop until it was live again (or stopped), at most 100" }),
});

const PlatformViewersSchema = z.object({
  peak: z.number().int().nullable(),
  peakAt: z.string().nullable(),
  average: z.number().nullable().openapi({ description: "Mean of the counts at the end of each bucket of the series" }),
  unavailable: z.string().optional().openapi({ description: "Why the platform gave no count (e.g. hidden, not available)" }),
});

export const SessionReportSchema = z
  .object({
    id: z.string().openapi({ description: "The session id (stream.* bus events' sessionId)" }),
    streamId: z.string(),
    streamName: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable().openapi({ description: "null while the session is live: the report so far" }),
    endReason: z.string().nullable(),
    durationSec: z.number(),
    slateSec: z.number().openapi({ description: "Time the destinations were shown the slate (publisher away)" }),
    switches: z.number().int().openapi({ description: "Encoder switches (primary ↔ backup)" }),
    destinations: z.array(DestinationReportSchema),
    viewers: z.object({
      peak: z.number().int().nullable().openapi({ description: "Peak of the total across platforms" }),
      peakAt: z.string().nullable(),
      byPlatform: z.record(z.string(), PlatformViewersSchema),
    }),
    chat: z.object({
      messages: z.number().int(),
      uniqueChatters: z.number().int(),
      byPlatform: z.record(z.string(), z.object({ messages: z.number().int(), uniqueChatters: z.number().int() })),
    }),
    engagement: z.object({
      events: z.number().int(),
      byKind: z.record(z.string(), z.number().int()),
      amounts,
      byPlatform: z.record(z.string(), z.object({ events: z.number().int(), amounts })),
    }),
  })
  .openapi("SessionReport", { example: sessionReportExample });

export const SessionList = z
  .object({ sessions: z.array(SessionReportSchema).openapi({ description: "Newest first" }) })
  .openapi("SessionList", { example: { sessions: [sessionReportExample] } });

const minuteExample = {
  index: 63,
  at: "2025-06-06T20:04:02.114Z",
  ingest: { bitrateKbps: 6034, fps: 60, source: "publisher" },
  slateSec: 0,
  destinations: { [first!.id]: { state: "live" as const, bitrateKbps: 6021 }, [second!.id]: { state: "live" as const, bitrateKbps: 5890 } },
  viewers: { [platformA]: 884 },
  chat: { [platformA]: 41, [second!.platform]: 12 },
  engagement: { [second!.platform]: 1 },
  outages: [second!.id],
};

export const SessionSeries = z
  .object({
    sessionId: z.string(),
    bucketSec: z.number().int().openapi({ description: "Length of a bucket (PRISM_SESSION_BUCKET_SEC, 60 by default)" }),
    minutes: z.array(
      z.object({
        index: z.number().int(),
        at: z.string().openapi({ description: "End of the bucket" }),
        ingest: z.object({ bitrateKbps: z.number(), fps: z.number(), source: z.string() }).nullable().openapi({ description: "At the end of the bucket; source: publisher, backup, slate, resuming or stalled" }),
        slateSec: z.number().openapi({ description: "Seconds of the bucket the destinations were shown the slate" }),
        destinations: z.record(z.string(), z.object({ state: OutputStateSchema, bitrateKbps: z.number() })),
        viewers: z.record(z.string(), z.number()).openapi({ description: "Per platform, at the end of the bucket" }),
        chat: z.record(z.string(), z.number()).openapi({ description: "Chat messages per platform in the bucket" }),
        engagement: z.record(z.string(), z.number()).openapi({ description: "Engagement events per platform in the bucket" }),
        outages: z.array(z.string()).openapi({ description: "Destinations that were down at some moment of the bucket" }),
      }),
    ),
  })
  .openapi("SessionSeries", { example: { sessionId: sessionReportExample.id, bucketSec: 60, minutes: [minuteExample] } });

export const SessionParam = z.object({ sessionId: z.string().max(200).openapi({ param: { name: "sessionId", in: "path" }, example: sessionReportExample.id }) });

export const SessionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "How many (1–200, default 50)", example: 20 }),
});
