import { desc, eq } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { media } from "../schema-pg/index.js";
import type { MediaStore } from "../store.js";
import { mediaRow, toMedia, type MediaFile } from "../media-repo.js";

/** Uploaded video files' records in PostgreSQL (see MediaRepo); the files live in the (shared) media directory. */
export class PgMediaRepo implements MediaStore {
  constructor(private readonly db: PgDb) {}

  async add(file: Omit<MediaFile, "createdAt">): Promise<MediaFile> {
    const row = mediaRow(file);
    await this.db.insert(media).values(row);
    return toMedia(row);
  }

  async get(id: string): Promise<MediaFile | undefined> {
    const [row] = await this.db.select().from(media).where(eq(media.id, id));
    return row && toMedia(row);
  }

  async list(): Promise<MediaFile[]> {
    const rows = await this.db.select().from(media).orderBy(desc(media.createdAt), desc(media.id));
    return rows.map(toMedia);
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.delete(media).where(eq(media.id, id)).returning({ id: media.id });
    return gone.length > 0;
  }
}
