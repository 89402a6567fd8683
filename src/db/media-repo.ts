import { desc, eq } from "drizzle-orm";
import type { Db } from "./client.js";
import { media, type MediaRow } from "./schema/index.js";

export interface MediaVideo {
  codec: string;
  width: number;
  height: number;
  fps: number | null;
}

export interface MediaAudio {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface MediaFile {
  id: string;
  name: string;
  fileName: string;
  sizeBytes: number;
  durationSec: number;
  container: string;
  video: MediaVideo;
  audio: MediaAudio | null;
  createdAt: Date;
}

/** A row as a MediaFile. Shared with pg/media-repo.ts. */
export const toMedia = (row: MediaRow): MediaFile => ({
  id: row.id,
  name: row.name,
  fileName: row.fileName,
  sizeBytes: row.sizeBytes,
  durationSec: row.durationSec,
  container: row.container,
  video: JSON.parse(row.video) as MediaVideo,
  audio: row.audio === null ? null : (JSON.parse(row.audio) as MediaAudio),
  createdAt: new Date(row.createdAt),
});

/** The uploaded video files' records; the files themselves live in the media directory. */
export class MediaRepo {
  constructor(private readonly db: Db) {}

  add(file: Omit<MediaFile, "createdAt">): MediaFile {
    const row = mediaRow(file);
    this.db.insert(media).values(row).run();
    return toMedia(row);
  }

  get(id: string): MediaFile | undefined {
    const row = this.db.select().from(media).where(eq(media.id, id)).get();
    return row && toMedia(row);
  }

  list(): MediaFile[] {
    return this.db.select().from(media).orderBy(desc(media.createdAt), desc(media.id)).all().map(toMedia);
  }

  delete(id: string): boolean {
    return this.db.delete(media).where(eq(media.id, id)).run().changes > 0;
  }
}

export function mediaRow(file: Omit<MediaFile, "createdAt">): MediaRow {
  return { ...file, video: JSON.stringify(file.video), audio: file.audio && JSON.stringify(file.audio), createdAt: Date.now() };
}
