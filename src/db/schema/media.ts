import { sqliteTable, text, integer, real } from "drizzle-orm/sqlite-core";

/** Uploaded video files (issue #18), played into a stream as if published live. */
export const media = sqliteTable("media", {
  id: text("id").primaryKey(),
  /** The uploader's file name, for people; the file on disk is named after the id. */
  name: text("name").notNull(),
  /** File name inside the media directory. */
  fileName: text("file_name").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
  durationSec: real("duration_sec").notNull(),
  /** ffprobe's container name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: text("container").notNull(),
  /** JSON: { codec, width, height, fps }. */
  video: text("video").notNull(),
  /** JSON: { codec, sampleRate, channels }; null: no audio track. */
  audio: text("audio"),
  createdAt: integer("created_at").notNull(),
});

export type MediaRow = typeof media.$inferSelect;
