import { asc, desc, eq, inArray } from "drizzle-orm";
import type { PgDb } from "./client.js";
import { clips, recordingMarkers, recordings, recordingSettings } from "../schema-pg/index.js";
import type { RecordingsStore } from "../store.js";
import type { ClipRow, MarkerRow, RecordingRow } from "../schema/index.js";
import { newPrefixedId } from "../ids.js";
import {
  markerRow,
  newRecordingRow,
  patchedSettings,
  settingsColumns,
  settingsOf,
  type NewRecording,
  type RecordingSettings,
  type RecordingSettingsPatch,
} from "../recordings-repo.js";

/** Recordings, their markers and clips, and each stream's recording settings, in PostgreSQL (see RecordingsRepo). */
export class PgRecordingsRepo implements RecordingsStore {
  constructor(private readonly db: PgDb) {}

  async settings(streamId: string): Promise<RecordingSettings> {
    const [row] = await this.db.select().from(recordingSettings).where(eq(recordingSettings.streamId, streamId));
    return settingsOf(row);
  }

  /** Read, merge and write in one transaction holding the row (when there is one), so two nodes' patches do not cross. */
  async updateSettings(streamId: string, patch: RecordingSettingsPatch): Promise<RecordingSettings> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(recordingSettings).where(eq(recordingSettings.streamId, streamId)).for("update");
      const next = patchedSettings(settingsOf(row), patch);
      const values = settingsColumns(next);
      await tx.insert(recordingSettings).values({ streamId, ...values }).onConflictDoUpdate({ target: recordingSettings.streamId, set: values });
      return next;
    });
  }

  async deleteSettings(streamId: string): Promise<void> {
    await this.db.delete(recordingSettings).where(eq(recordingSettings.streamId, streamId));
  }

  async newRecordingId(): Promise<string> {
    return newPrefixedId("rec");
  }

  async create(row: NewRecording): Promise<RecordingRow> {
    const full = newRecordingRow(row);
    await this.db.insert(recordings).values(full);
    return full;
  }

  async get(id: string): Promise<RecordingRow | undefined> {
    const [row] = await this.db.select().from(recordings).where(eq(recordings.id, id));
    return row;
  }

  async listByStream(streamId: string): Promise<RecordingRow[]> {
    return this.db.select().from(recordings).where(eq(recordings.streamId, streamId)).orderBy(desc(recordings.startedAt), desc(recordings.id));
  }

  async listAll(): Promise<RecordingRow[]> {
    return this.db.select().from(recordings).orderBy(asc(recordings.startedAt), asc(recordings.id));
  }

  async unfinished(): Promise<RecordingRow[]> {
    return this.db.select().from(recordings).where(inArray(recordings.state, ["recording", "finalizing"])).orderBy(asc(recordings.startedAt), asc(recordings.id));
  }

  async update(id: string, patch: Partial<Omit<RecordingRow, "id">>): Promise<RecordingRow | undefined> {
    const [row] = await this.db.update(recordings).set(patch).where(eq(recordings.id, id)).returning();
    return row;
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.delete(recordings).where(eq(recordings.id, id)).returning({ id: recordings.id });
    return gone.length > 0;
  }

  async addMarker(recordingId: string, atSec: number, label: string | null): Promise<MarkerRow> {
    const row = markerRow(recordingId, atSec, label);
    await this.db.insert(recordingMarkers).values(row);
    return row;
  }

  async markers(recordingId: string): Promise<MarkerRow[]> {
    return this.db.select().from(recordingMarkers).where(eq(recordingMarkers.recordingId, recordingId)).orderBy(asc(recordingMarkers.atSec), asc(recordingMarkers.createdAt), asc(recordingMarkers.id));
  }

  async newClipId(): Promise<string> {
    return newPrefixedId("clip");
  }

  async addClip(row: ClipRow): Promise<ClipRow> {
    await this.db.insert(clips).values(row);
    return row;
  }

  async clip(id: string): Promise<ClipRow | undefined> {
    const [row] = await this.db.select().from(clips).where(eq(clips.id, id));
    return row;
  }

  async clipsOf(recordingId: string): Promise<ClipRow[]> {
    return this.db.select().from(clips).where(eq(clips.recordingId, recordingId)).orderBy(asc(clips.createdAt), asc(clips.id));
  }

  async deleteClip(id: string): Promise<boolean> {
    const gone = await this.db.delete(clips).where(eq(clips.id, id)).returning({ id: clips.id });
    return gone.length > 0;
  }
}
