import { randomUUID } from "node:crypto";
import { asc, count, eq, sql } from "drizzle-orm";
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
  slate: SlateConfig;
  /** What platforms that take a title show (a channel or broadcast title); null: the name. */
  title: string | null;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
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
    this.byKeyHash = db.select().from(streams).where(eq(streams.streamKeyHash, sql.placeholder("hash"))).prepare();
  }

  create(name: string): Stream {
    const now = Date.now();
    const streamKey = newStreamKey();
    const row: StreamRow = {
      id: randomUUID(),
      name,
      streamKeyHash: this.box.lookupHash(streamKey),
      streamKeyEnc: this.box.encrypt(streamKey),
      slateEnabled: true,
      slateMaxSeconds: 300,
      slateImage: null,
      title: null,
      description: null,
      createdAt: now,
      updatedAt: now,
    };
    this.db.insert(streams).values(row).run();
    return this.toStream(row);
  }

  list(): Stream[] {
    return this.db.select().from(streams).orderBy(asc(streams.createdAt)).all().map((r) => this.toStream(r));
  }

  count(): number {
    return this.db.select({ n: count() }).from(streams).get()?.n ?? 0;
  }

  get(id: string): Stream | undefined {
    const row = this.byId.get({ id });
    return row && this.toStream(row);
  }

  findByKey(streamKey: string): { id: string; name: string; slate: SlateConfig } | undefined {
    const row = this.byKeyHash.get({ hash: this.box.lookupHash(streamKey) });
    return row && { id: row.id, name: row.name, slate: slateOf(row) };
  }

  update(id: string, patch: StreamPatch): Stream | undefined {
    const { name, slate, title, description } = patch;
    this.db
      .update(streams)
      .set({
        ...(name !== undefined && { name }),
        ...(slate?.enabled !== undefined && { slateEnabled: slate.enabled }),
        ...(slate?.maxSeconds !== undefined && { slateMaxSeconds: slate.maxSeconds }),
        ...(slate?.image !== undefined && { slateImage: slate.image }),
        ...(title !== undefined && { title }),
        ...(description !== undefined && { description }),
        updatedAt: Date.now(),
      })
      .where(eq(streams.id, id))
      .run();
    return this.get(id);
  }

  rotateKey(id: string): Stream | undefined {
    const streamKey = newStreamKey();
    const result = this.db
      .update(streams)
      .set({ streamKeyHash: this.box.lookupHash(streamKey), streamKeyEnc: this.box.encrypt(streamKey), updatedAt: Date.now() })
      .where(eq(streams.id, id))
      .run();
    return result.changes > 0 ? this.get(id) : undefined;
  }

  delete(id: string): boolean {
    return this.db.delete(streams).where(eq(streams.id, id)).run().changes > 0;
  }

  private toStream(row: StreamRow): Stream {
    const stream = {
      id: row.id,
      name: row.name,
      slate: slateOf(row),
      title: row.title,
      description: row.description,
      createdAt: new Date(row.createdAt),
      updatedAt: new Date(row.updatedAt),
    };
    return withLazySecret(stream, "streamKey", () => this.box.decrypt(row.streamKeyEnc));
  }
}

function slateOf(row: StreamRow): SlateConfig {
  return { enabled: row.slateEnabled, maxSeconds: row.slateMaxSeconds, image: row.slateImage };
}
