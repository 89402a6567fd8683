import { z } from "@hono/zod-openapi";
import { examplePlatform, otherExamplePlatform } from "./platform-examples.js";

const instant = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what} must be an ISO 8601 date and time with its offset, e.g. 2025-06-06T19:00:00Z` }).transform((s) => new Date(s));

/** A media file's id (the media library's), checked for its form only: whether it exists is the media library's answer. */
const mediaId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "mediaId must be a media file's id (letters, digits, _ and -, up to 64)");

export const EventSourceSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("live") }).openapi({ description: "OBS (or any publisher) goes live on the stream's key" }),
    z.object({ type: z.literal("media"), mediaId, loop: z.boolean().default(false) }).openapi({ description: "An uploaded video (POST /media) is played into the stream as live" }),
  ])
  .openapi("ScheduledEventSource", { example: { type: "live" } });

const title = z.string().trim().min(1, "title must not be empty").max(200, "title: at most 200 characters");
const description = z.string().max(5000, "description: at most 5000 characters");

export const CreateScheduledEventBody = z
  .object({
    title,
    description: description.nullable().optional(),
    startsAt: instant("startsAt"),
    endsAt: instant("endsAt").nullable().optional(),
    source: EventSourceSchema.optional(),
  })
  .openapi("CreateScheduledEvent", {
    example: { title: "Friday speedrun: any% attempts", description: "Three hours of resets.", startsAt: "2025-06-06T19:00:00Z", endsAt: "2025-06-06T22:00:00Z", source: { type: "live" } },
  });

export const UpdateScheduledEventBody = z
  .object({
    title: title.optional(),
    description: description.nullable().optional(),
    startsAt: instant("startsAt").optional(),
    endsAt: instant("endsAt").nullable().optional(),
    source: EventSourceSchema.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "give at least one of title, description, startsAt, endsAt, source")
  .openapi("UpdateScheduledEvent", { example: { startsAt: "2025-06-06T19:30:00Z" } });

export const EventIdParam = z.object({
  eventId: z
    .string()
    .regex(/^sev_[0-9a-f]{32}$/, "not a scheduled event's id (they look like sev_ and 32 hex digits)")
    .openapi({ param: { name: "eventId", in: "path" }, example: "sev_4b1e0c9d2a3f4e5d8c7b6a5f4e3d2c1b" }),
});

const AnnouncementSchema = z
  .object({
    platform: z.string(),
    accountId: z.string(),
    state: z.enum(["announced", "refused", "unavailable", "not_available", "withdrawn"]).openapi({
      description:
        "announced: the platform has it. refused: the platform said no (the message says what to do; tried again at the next change). unavailable: the platform could not be reached (tried again at the next change). not_available: the platform cannot take one. withdrawn: taken back when the event was cancelled.",
    }),
    externalId: z.string().nullable().openapi({ description: "The platform's own object (a broadcast, a schedule segment)" }),
    url: z.string().nullable().openapi({ description: "Where viewers see it, when the platform gives a page" }),
    message: z.string().nullable().openapi({ description: "What the platform answered, in words, when it did not take it" }),
    attemptedAt: z.string(),
  })
  .openapi("ScheduledEventAnnouncement");

const exampleEvent = {
  id: "sev_4b1e0c9d2a3f4e5d8c7b6a5f4e3d2c1b",
  streamId: "3f1c2a9e-7a51-4c0e-9d0b-2f8e5c1b7a10",
  title: "Friday speedrun: any% attempts",
  description: "Three hours of resets.",
  startsAt: "2025-06-06T19:00:00.000Z",
  endsAt: "2025-06-06T22:00:00.000Z",
  source: { type: "live" as const },
  status: "scheduled" as const,
  statusReason: null,
  startingSoonSentAt: null,
  startedAt: null,
  createdAt: "2025-06-01T10:12:40.220Z",
  updatedAt: "2025-06-01T10:12:40.220Z",
  announcements: [
    {
      platform: examplePlatform.id,
      accountId: "a4e0c7d2-5b1f-4d8e-9c3a-6f2b1e0d9c8a",
      state: "announced" as const,
      externalId: "Xq3vB7pLk2M",
      url: null,
      message: null,
      attemptedAt: "2025-06-01T10:12:41.005Z",
    },
    {
      platform: otherExamplePlatform.id,
      accountId: "c81d4e2f-0a6b-4c3d-9e8f-7a6b5c4d3e2f",
      state: "refused" as const,
      externalId: null,
      url: null,
      message: `${otherExamplePlatform.name ?? otherExamplePlatform.displayName} refused: the request cannot be completed because the daily quota is spent.`,
      attemptedAt: "2025-06-01T10:12:41.310Z",
    },
  ],
};

export const ScheduledEventSchema = z
  .object({
    id: z.string(),
    streamId: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    source: EventSourceSchema,
    status: z.enum(["scheduled", "started", "ended", "cancelled", "missed"]).openapi({
      description: "scheduled → started → ended; cancelled (DELETE); missed: a live event whose publisher never came within the grace period, or Prism was down at its start",
    }),
    statusReason: z.string().nullable(),
    startingSoonSentAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    announcements: z.array(AnnouncementSchema).openapi({ description: "What each linked account's platform answered" }),
  })
  .openapi("ScheduledEvent", { example: exampleEvent });

export const scheduledEventExample = exampleEvent;
