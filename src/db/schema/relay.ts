import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

// Portable by construction: text ids, integer millisecond timestamps and booleans, no SQLite-only
// types, so a pg-core twin of this file is a mechanical copy.

export const streams = sqliteTable("streams", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Keyed hash of the ingest key, to find the stream on publish without decrypting every row. */
  streamKeyHash: text("stream_key_hash").notNull().unique(),
  /** The ingest key, encrypted (the streamer must be able to see it again). */
  streamKeyEnc: text("stream_key_enc").notNull(),
  /**
   * The backup encoder's key, hashed and encrypted like the primary's. Nullable only because the
   * hash is keyed (it cannot be computed in SQL): rows from before the column existed get a key
   * when the server starts (StreamsRepo.fillMissingBackupKeys), so every stream has one in use.
   */
  backupStreamKeyHash: text("backup_stream_key_hash").unique(),
  backupStreamKeyEnc: text("backup_stream_key_enc"),
  /** Show the slate when the publisher drops off (rather than ending the stream at once). */
  slateEnabled: integer("slate_enabled", { mode: "boolean" }).notNull().default(true),
  slateMaxSeconds: integer("slate_max_seconds").notNull().default(300),
  /** File name of an uploaded slate image in the data dir; null: the default image. */
  slateImage: text("slate_image"),
  /** Pushed to platforms that take one (a channel or broadcast title); null: the stream's name. */
  title: text("title"),
  description: text("description"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const destinations = sqliteTable(
  "destinations",
  {
    id: text("id").primaryKey(),
    streamId: text("stream_id")
      .notNull()
      .references(() => streams.id, { onDelete: "cascade" }),
    platform: text("platform").notNull(),
    name: text("name").notNull(),
    url: text("url").notNull(),
    streamKeyEnc: text("stream_key_enc").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** Transcoding profile as JSON; null: automatic (copy when the ingest fits the platform's limits). */
    profile: text("profile"),
    /** A linked account (accounts.id) that hands out this destination's ingest URL and key at go-live; null: url + key above. */
    accountId: text("account_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("destinations_stream_id_idx").on(t.streamId)],
);

export type StreamRow = typeof streams.$inferSelect;
export type DestinationRow = typeof destinations.$inferSelect;
