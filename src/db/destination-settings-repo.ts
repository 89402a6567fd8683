import { eq, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { destinationSettings } from "./schema/index.js";

export type StoredSettings = Record<string, unknown>;

/**
 * Destinations' own settings, whatever their platform: a JSON object per destination. What the
 * fields mean is the platform's business (its adapter's `destinationSettings`), not this store's.
 */
export class DestinationSettingsRepo {
  // Prepared once: a chat reader may ask before every poll, so a change made while live is picked up.
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byId = db
      .select()
      .from(destinationSettings)
      .where(eq(destinationSettings.destinationId, sql.placeholder("id")))
      .prepare();
  }

  /** The stored object, or {} for a destination that has none. */
  get(destinationId: string): StoredSettings {
    const row = this.byId.get({ id: destinationId });
    return row ? (JSON.parse(row.settings) as StoredSettings) : {};
  }

  /** Fields left out (or undefined) keep their value; null is stored as null. */
  update(destinationId: string, patch: StoredSettings): StoredSettings {
    const next = { ...this.get(destinationId), ...definedOnly(patch) };
    const settings = JSON.stringify(next);
    const updatedAt = Date.now();
    this.db
      .insert(destinationSettings)
      .values({ destinationId, settings, updatedAt })
      .onConflictDoUpdate({ target: destinationSettings.destinationId, set: { settings, updatedAt } })
      .run();
    return next;
  }
}

/** A patch without its undefined fields (which keep their value). Shared with pg/destination-settings-repo.ts. */
export function definedOnly(patch: StoredSettings): StoredSettings {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}
