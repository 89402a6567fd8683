import { eq, sql } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { destinationSettings } from "../schema-pg/index.js";
import type { DestinationSettingsStore } from "../store.js";
import { definedOnly, type StoredSettings } from "../destination-settings-repo.js";

/**
 * Destinations' own settings in PostgreSQL (see DestinationSettingsRepo). The patch is merged into the stored
 * object by the server in one statement (jsonb ||), so two nodes patching different fields at once both keep
 * theirs; SQLite's read-then-write is safe only because one process writes it.
 */
export class PgDestinationSettingsRepo implements DestinationSettingsStore {
  constructor(private readonly db: PgDb) {}

  async get(destinationId: string): Promise<StoredSettings> {
    const [row] = await this.db.select().from(destinationSettings).where(eq(destinationSettings.destinationId, destinationId));
    return row ? (JSON.parse(row.settings) as StoredSettings) : {};
  }

  async update(destinationId: string, patch: StoredSettings): Promise<StoredSettings> {
    const settings = JSON.stringify(definedOnly(patch));
    const updatedAt = Date.now();
    const [row] = await this.db
      .insert(destinationSettings)
      .values({ destinationId, settings, updatedAt })
      .onConflictDoUpdate({
        target: destinationSettings.destinationId,
        set: { settings: sql`(${destinationSettings.settings}::jsonb || excluded.settings::jsonb)::text`, updatedAt },
      })
      .returning({ settings: destinationSettings.settings });
    return JSON.parse(row!.settings) as StoredSettings;
  }
}
