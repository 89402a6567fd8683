import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { destinations } from "./relay.js";

/**
 * The settings a destination keeps besides URL and key, whatever its platform (its adapter's
 * `destinationSettings` says what they are): one JSON object per destination that has any.
 * Nothing here is secret.
 */
export const destinationSettings = sqliteTable("destination_settings", {
  destinationId: text("destination_id")
    .primaryKey()
    .references(() => destinations.id, { onDelete: "cascade" }),
  /** A JSON object: what the platform's `patch` returned, merged over what was there. */
  settings: text("settings").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export type DestinationSettingsRow = typeof destinationSettings.$inferSelect;
