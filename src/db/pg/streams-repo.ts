import { and, asc, count, eq, isNull, or } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { streams } from "../schema-pg/index.js";
import type { SecretBox } from "../../secrets/secret-box.js";
import type { StreamsStore } from "../store.js";
import { keyedStreamOf, newKeyColumns, newStreamRow, streamOf, streamPatchColumns, type IngestKeyKind, type KeyedStream, type Stream, type StreamPatch } from "../streams-repo.js";

/** Streams in PostgreSQL: the same rows and rules as StreamsRepo (SQLite), keys encrypted with the same SecretBox. */
export class PgStreamsRepo implements StreamsStore {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(name: string): Promise<Stream> {
    const row = newStreamRow(name, this.box);
    await this.db.insert(streams).values(row);
    return streamOf(row, this.box);
  }

  async list(): Promise<Stream[]> {
    const rows = await this.db.select().from(streams).orderBy(asc(streams.createdAt), asc(streams.id));
    return rows.map((r) => streamOf(r, this.box));
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(streams);
    return row?.n ?? 0;
  }

  async get(id: string): Promise<Stream | undefined> {
    const [row] = await this.db.select().from(streams).where(eq(streams.id, id));
    return row && streamOf(row, this.box);
  }

  async findByKey(streamKey: string): Promise<KeyedStream | undefined> {
    const hash = this.box.lookupHash(streamKey);
    const [row] = await this.db
      .select()
      .from(streams)
      .where(or(eq(streams.streamKeyHash, hash), eq(streams.backupStreamKeyHash, hash)));
    return row && keyedStreamOf(row, hash);
  }

  /** See StreamsRepo.fillMissingBackupKeys; `IS NULL` again in the update, so two nodes starting together do not both write one. */
  async fillMissingBackupKeys(): Promise<number> {
    const missing = await this.db.select({ id: streams.id }).from(streams).where(isNull(streams.backupStreamKeyHash));
    let filled = 0;
    for (const { id } of missing) {
      const done = await this.db
        .update(streams)
        .set(newKeyColumns(this.box, "backup"))
        .where(and(eq(streams.id, id), isNull(streams.backupStreamKeyHash)))
        .returning({ id: streams.id });
      filled += done.length;
    }
    return filled;
  }

  async update(id: string, patch: StreamPatch): Promise<Stream | undefined> {
    const [row] = await this.db.update(streams).set(streamPatchColumns(patch)).where(eq(streams.id, id)).returning();
    return row && streamOf(row, this.box);
  }

  async rotateKey(id: string, which: IngestKeyKind = "primary"): Promise<Stream | undefined> {
    const [row] = await this.db
      .update(streams)
      .set({ ...newKeyColumns(this.box, which), updatedAt: Date.now() })
      .where(eq(streams.id, id))
      .returning();
    return row && streamOf(row, this.box);
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.delete(streams).where(eq(streams.id, id)).returning({ id: streams.id });
    return gone.length > 0;
  }
}
