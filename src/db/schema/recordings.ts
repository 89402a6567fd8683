import { sqliteTable, text, integer, real, index } from "drizzle-orm/sqlite-core";

/**
 * Recordings of broadcast sessions (issue #16), their clips and markers. No foreign key to streams:
 * deleting a stream deletes its recordings' files too, which the recordings service does (a cascade
 * here would leave the files behind).
 */
export const recordings = sqliteTable(
  "recordings",
  {
    id: text("id").primaryKey(),
    streamId: text("stream_id").notNull(),
    /** The broadcast session (bus events' sessionId) this recording is of: one recording per session. */
    sessionId: text("session_id").notNull().unique(),
    streamName: text("stream_name").notNull(),
    /** recording | finalizing | ready | failed */
    state: text("state").notNull(),
    /** Why it failed, or what repair did; null when nothing is to be said. */
    note: text("note"),
    /** File names inside the recordings directory (never paths from a request). */
    rawFile: text("raw_file").notNull(),
    mp4File: text("mp4_file"),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at"),
    durationSec: real("duration_sec"),
    sizeBytes: integer("size_bytes").notNull().default(0),
    videoCodec: text("video_codec"),
    audioCodec: text("audio_codec"),
    width: integer("width"),
    height: integer("height"),
    includeSlate: integer("include_slate", { mode: "boolean" }).notNull(),
  },
  (t) => [index("recordings_stream_started_idx").on(t.streamId, t.startedAt)],
);

export const recordingMarkers = sqliteTable(
  "recording_markers",
  {
    id: text("id").primaryKey(),
    recordingId: text("recording_id")
      .notNull()
      .references(() => recordings.id, { onDelete: "cascade" }),
    /** Seconds into the recording. */
    atSec: real("at_sec").notNull(),
    label: text("label"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("recording_markers_recording_idx").on(t.recordingId)],
);

export const clips = sqliteTable(
  "clips",
  {
    id: text("id").primaryKey(),
    recordingId: text("recording_id")
      .notNull()
      .references(() => recordings.id, { onDelete: "cascade" }),
    streamId: text("stream_id").notNull(),
    title: text("title"),
    /** What was asked for, and where the clip really starts (a keyframe at or before startSec, unless precise). */
    requestedStartSec: real("requested_start_sec").notNull(),
    startSec: real("start_sec").notNull(),
    endSec: real("end_sec").notNull(),
    durationSec: real("duration_sec").notNull(),
    precise: integer("precise", { mode: "boolean" }).notNull(),
    file: text("file").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("clips_recording_idx").on(t.recordingId)],
);

/** A stream's recording settings; no row: recording off, global retention. */
export const recordingSettings = sqliteTable("recording_settings", {
  streamId: text("stream_id").primaryKey(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  includeSlate: integer("include_slate", { mode: "boolean" }).notNull(),
  /** This stream's own retention; null: only the global one (PRISM_RECORDINGS_RETAIN_DAYS / _MAX_GB). */
  retainDays: real("retain_days"),
  maxGb: real("max_gb"),
  updatedAt: integer("updated_at").notNull(),
});

export type RecordingRow = typeof recordings.$inferSelect;
export type ClipRow = typeof clips.$inferSelect;
export type MarkerRow = typeof recordingMarkers.$inferSelect;
export type RecordingSettingsRow = typeof recordingSettings.$inferSelect;
