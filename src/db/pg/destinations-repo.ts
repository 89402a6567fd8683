import { and, asc, eq } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { destinations } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { DestinationsStore } from "../store.js";
import {
  destinationOf,
  destinationPatchColumns,
  newDestinationRow,
  type Destination,
  type DestinationPatch,
  type DestinationSummary,
  type NewDestination,
} from "../destinations-repo.js";

/** Destinations in PostgreSQL: the same rows and rules as DestinationsRepo (SQLite), stream keys encrypted with the same SecretBox. */
export class PgDestinationsRepo implements DestinationsStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(input: NewDestination): Promise<Destination> {
    const row = newDestinationRow(input, this.box);
    await this.db.insert(destinations).values(row);
    return destinationOf(row, this.box);
  }

  async list(streamId: string): Promise<Destination[]> {
    const rows = await this.db.select().from(destinations).where(eq(destinations.streamId, streamId)).orderBy(asc(destinations.createdAt), asc(destinations.id));
    return rows.map((r) => destinationOf(r, this.box));
  }

  /** See DestinationsRepo.summaries: only the columns a health answer names. */
  async summaries(streamId: string): Promise<DestinationSummary[]> {
    return this.db
      .select({ id: destinations.id, name: destinations.name, enabled: destinations.enabled, platform: destinations.platform, accountId: destinations.accountId })
      .from(destinations)
      .where(eq(destinations.streamId, streamId))
      .orderBy(asc(destinations.createdAt), asc(destinations.id));
  }

  async get(streamId: string, id: string): Promise<Destination | undefined> {
    const [row] = await this.db
      .select()
      .from(destinations)
      .where(and(eq(destinations.streamId, streamId), eq(destinations.id, id)));
    return row && destinationOf(row, this.box);
  }

  async update(streamId: string, id: string, patch: DestinationPatch): Promise<Destination | undefined> {
    const [row] = await this.db
      .update(destinations)
      .set(destinationPatchColumns(patch, this.box))
      .where(and(eq(destinations.streamId, streamId), eq(destinations.id, id)))
      .returning();
    return row && destinationOf(row, this.box);
  }

  async listByAccount(accountId: string): Promise<Destination[]> {
    const rows = await this.db.select().from(destinations).where(eq(destinations.accountId, accountId)).orderBy(asc(destinations.createdAt), asc(destinations.id));
    return rows.map((r) => destinationOf(r, this.box));
  }

  async delete(streamId: string, id: string): Promise<boolean> {
    const gone = await this.db
      .delete(destinations)
      .where(and(eq(destinations.streamId, streamId), eq(destinations.id, id)))
      .returning({ id: destinations.id });
    return gone.length > 0;
  }
}
