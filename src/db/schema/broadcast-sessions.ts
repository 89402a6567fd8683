import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { streams } from "./relay.js";

// Same portability rules as relay.ts: text ids, integer millisecond timestamps, JSON in text columns.

/**
 * Broadcast sessions (issue #17): publish to final end, keyed by the relay's sessionId. Not the
 * dashboard's login `sessions`. `state` is the recorder's running count, written with each bucket
 * so a crash loses at most one; `report` is set when the session ends.
 */
export const broadcastSessions = sqliteTable(
  "broadcast_sessions",
  {
    id: text("id").primaryKey(),
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at"),
    bucketSec: integer("bucket_sec").notNull(),
    state: text("state", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    report: text("report", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("broadcast_sessions_stream_idx").on(t.streamId, t.startedAt), index("broadcast_sessions_ended_idx").on(t.endedAt)],
);

/** The series: one row per bucket (a minute by default) of a broadcast session. */
export const broadcastSessionMinutes = sqliteTable(
  "broadcast_session_minutes",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => broadcastSessions.id, { onDelete: "cascade" }),
    idx: integer("idx").notNull(),
    data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.idx] })],
);

export type BroadcastSessionRow = typeof broadcastSessions.$inferSelect;
