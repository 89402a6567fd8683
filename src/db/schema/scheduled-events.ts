import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { streams } from "./relay.js";

/**
 * Broadcasts planned ahead (issue #18). The database is the truth the scheduler's timers are armed
 * from, so a restart re-arms what is ahead and marks what it missed.
 */
export const scheduledEvents = sqliteTable(
  "scheduled_events",
  {
    /** `sev_` + random: never a word of the event log's routes (/events/types). */
    id: text("id").primaryKey(),
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description"),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at"),
    /** JSON: { type: "live" } | { type: "media", mediaId, loop }. */
    source: text("source").notNull(),
    /** scheduled → started → ended; or cancelled, or missed. */
    status: text("status").notNull(),
    /** Why it was missed (or ended early), in words. */
    statusReason: text("status_reason"),
    /** When event.starting_soon went out, so a restart does not send it twice. */
    soonSentAt: integer("soon_sent_at"),
    startedAt: integer("started_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("scheduled_events_stream_idx").on(t.streamId, t.startsAt), index("scheduled_events_status_idx").on(t.status)],
);

/**
 * What each linked account's platform answered when the event was announced there: one row per
 * event and account. `externalId` is the platform's own object (a broadcast, a schedule segment).
 */
export const scheduledEventAnnouncements = sqliteTable(
  "scheduled_event_announcements",
  {
    eventId: text("event_id")
      .notNull()
      .references(() => scheduledEvents.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull(),
    platform: text("platform").notNull(),
    /** announced | refused | unavailable (retry later) | not_available (the platform cannot) | withdrawn. */
    state: text("state").notNull(),
    externalId: text("external_id"),
    /** A link viewers can open, when the platform gives one. */
    url: text("url"),
    /** The platform's answer in words (always set unless announced). */
    message: text("message"),
    attemptedAt: integer("attempted_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.accountId] })],
);

export type ScheduledEventRow = typeof scheduledEvents.$inferSelect;
export type AnnouncementRow = typeof scheduledEventAnnouncements.$inferSelect;
