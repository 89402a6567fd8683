import { newRowId } from "./ids.js";
import { asc, count, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { streams, type StreamRow } from "./schema/index.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { withLazySecret } from "../secrets/lazy-secret.js";
import { newStreamKey } from "../secrets/tokens.js";

export interface SlateConfig {
  enabled: boolean;
  maxSeconds: number;
  /** File name of an uploaded image in the data dir; null: the default image. */
  image: string | null;
}

export interface Stream {
  id: string;
  name: string;
  streamKey: string;
  /** The key a second (backup) encoder publishes with; null only before fillMissingBackupKeys ran. */
  backupStreamKey: string | null;
  slate: SlateConfig;
  /** What platforms that take a title show (a channel or broadcast title); null: the name. */
  title: string | null;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Which of a stream's two ingest keys: the main encoder's, or the backup encoder's. */
export type IngestKeyKind = "primary" | "backup";

/** A stream found by an ingest key, and which of its keys it was. */
export interface KeyedStream {
  id: string;
  name: string;
  slate: SlateConfig;
  input: IngestKeyKind;
}

export type StreamPatch = { name?: string; slate?: Partial<SlateConfig>; title?: string | null; description?: string | null };

/** Streams, with their ingest keys encrypted at rest and found on publish by keyed hash. */
export class StreamsRepo {
  // Prepared once: health and every publish look streams up, and SQLite would compile them each time.
  private readonly byId;
  private readonly byKeyHash;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {
    this.byId = db.select().from(streams).where(eq(streams.id, sql.placeholder("id"))).prepare();
    this.byKeyHash = db
      .select()
      .from(streams)
      .where(or(eq(streams.streamKeyHash, sql.placeholder("hash")), eq(streams.backupStreamKeyHash, sql.placeholder("hash"))))
      .prepare();
  }

  create(name: string): Stream {
    const row = newStreamRow(name, this.box);
    this.db.insert(streams).values(row).run();
    return this.toStream(row);
  }

  list(): Stream[] {
    return this.db.select().from(streams).orderBy(asc(streams.createdAt), asc(streams.id)).all().map((r) => this.toStream(r));
  }

  count(): number {
    return this.db.select({ n: count() }).from(streams).get()?.n ?? 0;
  }

  get(id: string): Stream | undefined {
    const row = this.byId.get({ id });
    return row && this.toStream(row);
  }

  findByKey(streamKey: string): KeyedStream | undefined {
    const hash = this.box.lookupHash(streamKey);
    const row = this.byKeyHash.get({ hash });
    return row && keyedStreamOf(row, hash);
  }

  /**
   * Gives every stream created before backup keys existed its backup key. The key hash is keyed
   * with the server's secret, so the migration cannot do this in SQL; the server calls it at start.
   */
  fillMissingBackupKeys(): number {
    const missing = this.db.select({ id: streams.id }).from(streams).where(isNull(streams.backupStreamKeyHash)).all();
    for (const { id } of missing) this.db.update(streams).set(newKeyColumns(this.box, "backup")).where(eq(streams.id, id)).run();
    return missing.length;
  }

  update(id: string, patch: StreamPatch): Stream | undefined {
    this.db.update(streams).set(streamPatchColumns(patch)).where(eq(streams.id, id)).run();
    return this.get(id);
  }

  rotateKey(id: string, which: IngestKeyKind = "primary"): Stream | undefined {
    const result = this.db
      .update(streams)
      .set({ ...newKeyColumns(this.box, which), updatedAt: Date.now() })
      .where(eq(streams.id, id))
      .run();
    return result.changes > 0 ? this.get(id) : undefined;
  }

  delete(id: string): boolean {
    return this.db.delete(streams).where(eq(streams.id, id)).run().changes > 0;
  }

  private toStream(row: StreamRow): Stream {
    return streamOf(row, this.box);
  }
}

/** A row as a Stream, its keys decrypted on first read. Shared with the PostgreSQL repository (pg/streams-repo.ts). */
export function streamOf(row: StreamRow, box: SecretBox): Stream {
  const stream = {
    id: row.id,
    name: row.name,
    slate: slateOf(row),
    title: row.title,
    description: row.description,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
  const withKey = withLazySecret(stream, "streamKey", () => box.decrypt(row.streamKeyEnc));
  const backupEnc = row.backupStreamKeyEnc;
  return withLazySecret(withKey, "backupStreamKey", () => (backupEnc === null ? null : box.decrypt(backupEnc)));
}

/** A fresh key's columns, for the primary or the backup key. */
export function newKeyColumns(box: SecretBox, which: IngestKeyKind): Partial<StreamRow> {
  const key = newStreamKey();
  const hash = box.lookupHash(key);
  const enc = box.encrypt(key);
  return which === "primary" ? { streamKeyHash: hash, streamKeyEnc: enc } : { backupStreamKeyHash: hash, backupStreamKeyEnc: enc };
}

/** The columns a StreamPatch sets (updatedAt included). */
export function streamPatchColumns(patch: StreamPatch): Partial<StreamRow> {
  const { name, slate, title, description } = patch;
  return {
    ...(name !== undefined && { name }),
    ...(slate?.enabled !== undefined && { slateEnabled: slate.enabled }),
    ...(slate?.maxSeconds !== undefined && { slateMaxSeconds: slate.maxSeconds }),
    ...(slate?.image !== undefined && { slateImage: slate.image }),
    ...(title !== undefined && { title }),
    ...(description !== undefined && { description }),
    updatedAt: Date.now(),
  };
}

/** A new stream's row: both keys fresh, the slate on for five minutes. */
export function newStreamRow(name: string, box: SecretBox): StreamRow {
  const now = Date.now();
  return {
    id: newRowId(),
    name,
    ...(newKeyColumns(box, "primary") as { streamKeyHash: string; streamKeyEnc: string }),
    ...(newKeyColumns(box, "backup") as { backupStreamKeyHash: string; backupStreamKeyEnc: string }),
    slateEnabled: true,
    slateMaxSeconds: 300,
    slateImage: null,
    title: null,
    description: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** Which key a row was found by. */
export function keyedStreamOf(row: StreamRow, hash: string): KeyedStream {
  return { id: row.id, name: row.name, slate: slateOf(row), input: row.streamKeyHash === hash ? "primary" : "backup" };
}

function slateOf(row: StreamRow): SlateConfig {
  return { enabled: row.slateEnabled, maxSeconds: row.slateMaxSeconds, image: row.slateImage };
}
