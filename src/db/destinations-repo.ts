import { newRowId } from "./ids.js";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { destinations, type DestinationRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { TranscodeSetting } from "../core/transcode-setting.js";
import { withLazySecret } from "../secrets/lazy-secret.js";

export interface Destination {
  id: string;
  streamId: string;
  platform: string;
  name: string;
  url: string;
  streamKey: string;
  enabled: boolean;
  transcode: TranscodeSetting;
  /** The linked account whose platform hands out the ingest URL and key at go-live; null: url + streamKey. */
  accountId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewDestination = Pick<Destination, "streamId" | "platform" | "name" | "url" | "streamKey" | "enabled"> & {
  transcode?: TranscodeSetting;
  accountId?: string | null;
};
export type DestinationPatch = Partial<Pick<Destination, "name" | "url" | "streamKey" | "enabled" | "transcode">>;

/** What a health answer reads of a destination. */
export type DestinationSummary = Pick<Destination, "id" | "name" | "enabled" | "platform" | "accountId">;

/** Destinations of streams, with their stream keys encrypted at rest. */
export class DestinationsRepo {
  // Prepared once: health reads these on every request, and SQLite would compile them each time.
  private readonly byStream;
  private readonly byId;
  private readonly summariesByStream;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {
    this.byStream = db
      .select()
      .from(destinations)
      .where(eq(destinations.streamId, sql.placeholder("streamId")))
      .orderBy(asc(destinations.createdAt), asc(destinations.id))
      .prepare();
    this.summariesByStream = db
      .select({ id: destinations.id, name: destinations.name, enabled: destinations.enabled, platform: destinations.platform, accountId: destinations.accountId })
      .from(destinations)
      .where(eq(destinations.streamId, sql.placeholder("streamId")))
      .orderBy(asc(destinations.createdAt), asc(destinations.id))
      .prepare();
    this.byId = db
      .select()
      .from(destinations)
      .where(and(eq(destinations.streamId, sql.placeholder("streamId")), eq(destinations.id, sql.placeholder("id"))))
      .prepare();
  }

  create(input: NewDestination): Destination {
    const row = newDestinationRow(input, this.box);
    this.db.insert(destinations).values(row).run();
    return this.toDestination(row);
  }

  list(streamId: string): Destination[] {
    return this.byStream.all({ streamId }).map((r) => this.toDestination(r));
  }

  /**
   * Just what a health answer names of each destination: the hot path at 1,000 requests a second,
   * where reading whole rows (encrypted key, profile JSON, dates) was a quarter of all Prism allocated.
   * The platform and linked account are what its quota figure needs (no second read per destination).
   */
  summaries(streamId: string): DestinationSummary[] {
    return this.summariesByStream.all({ streamId });
  }

  get(streamId: string, id: string): Destination | undefined {
    const row = this.byId.get({ streamId, id });
    return row && this.toDestination(row);
  }

  update(streamId: string, id: string, patch: DestinationPatch): Destination | undefined {
    this.db
      .update(destinations)
      .set(destinationPatchColumns(patch, this.box))
      .where(and(eq(destinations.streamId, streamId), eq(destinations.id, id)))
      .run();
    return this.get(streamId, id);
  }

  /** Destinations of every stream that take their ingest from this account. */
  listByAccount(accountId: string): Destination[] {
    return this.db
      .select()
      .from(destinations)
      .where(eq(destinations.accountId, accountId))
      .orderBy(asc(destinations.createdAt), asc(destinations.id))
      .all()
      .map((r) => this.toDestination(r));
  }

  delete(streamId: string, id: string): boolean {
    return this.db.delete(destinations).where(and(eq(destinations.streamId, streamId), eq(destinations.id, id))).run().changes > 0;
  }

  private toDestination(row: DestinationRow): Destination {
    return destinationOf(row, this.box);
  }
}

/** A row as a Destination, its stream key decrypted on first read. Shared with pg/destinations-repo.ts. */
export function destinationOf(row: DestinationRow, box: SecretBox): Destination {
  const { streamKeyEnc, profile, createdAt, updatedAt, ...rest } = row;
  const destination = {
    ...rest,
    transcode: profile === null ? ("auto" as const) : (JSON.parse(profile) as TranscodeSetting),
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
  };
  return withLazySecret(destination, "streamKey", () => box.decrypt(streamKeyEnc));
}

export function newDestinationRow(input: NewDestination, box: SecretBox): DestinationRow {
  const now = Date.now();
  const { streamKey, transcode = "auto", accountId = null, ...rest } = input;
  return {
    id: newRowId(),
    ...rest,
    accountId,
    streamKeyEnc: box.encrypt(streamKey),
    profile: profileColumn(transcode),
    createdAt: now,
    updatedAt: now,
  };
}

/** The columns a DestinationPatch sets (updatedAt included). */
export function destinationPatchColumns(patch: DestinationPatch, box: SecretBox): Partial<DestinationRow> {
  const { streamKey, transcode, ...rest } = patch;
  return {
    ...rest,
    ...(streamKey !== undefined && { streamKeyEnc: box.encrypt(streamKey) }),
    ...(transcode !== undefined && { profile: profileColumn(transcode) }),
    updatedAt: Date.now(),
  };
}

function profileColumn(setting: TranscodeSetting): string | null {
  return setting === "auto" ? null : JSON.stringify(setting);
}
