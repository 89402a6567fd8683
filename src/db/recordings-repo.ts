import { newPrefixedId } from "./ids.js";
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { clips, recordingMarkers, recordings, recordingSettings, type ClipRow, type MarkerRow, type RecordingRow, type RecordingSettingsRow } from "./schema/index.js";

export type RecordingState = "recording" | "finalizing" | "ready" | "failed";

export interface RecordingSettings {
  enabled: boolean;
  includeSlate: boolean;
  /** This stream's own retention; null: the global one only. */
  retention: { days: number | null; maxGb: number | null };
}

export type RecordingSettingsPatch = { enabled?: boolean; includeSlate?: boolean; retention?: { days?: number | null; maxGb?: number | null } };

export const DEFAULT_RECORDING_SETTINGS: RecordingSettings = { enabled: false, includeSlate: true, retention: { days: null, maxGb: null } };

/** Ids are prefixed (src/db/ids.ts): what an API path may name is checked against these shapes before anything is looked up. */
export const RECORDING_ID = /^rec_[0-9a-f]{32}$/;
export const CLIP_ID = /^clip_[0-9a-f]{32}$/;

export type NewRecording = Omit<RecordingRow, "state" | "note" | "mp4File" | "endedAt" | "durationSec" | "sizeBytes" | "videoCodec" | "audioCodec" | "width" | "height">;

/** Row builders shared with pg/recordings-repo.ts. */
export function settingsOf(row: RecordingSettingsRow | undefined): RecordingSettings {
  if (!row) return DEFAULT_RECORDING_SETTINGS;
  return { enabled: row.enabled, includeSlate: row.includeSlate, retention: { days: row.retainDays, maxGb: row.maxGb } };
}

export function patchedSettings(current: RecordingSettings, patch: RecordingSettingsPatch): RecordingSettings {
  return {
    enabled: patch.enabled ?? current.enabled,
    includeSlate: patch.includeSlate ?? current.includeSlate,
    retention: {
      days: patch.retention?.days !== undefined ? patch.retention.days : current.retention.days,
      maxGb: patch.retention?.maxGb !== undefined ? patch.retention.maxGb : current.retention.maxGb,
    },
  };
}

export function settingsColumns(next: RecordingSettings) {
  return { enabled: next.enabled, includeSlate: next.includeSlate, retainDays: next.retention.days, maxGb: next.retention.maxGb, updatedAt: Date.now() };
}

export function newRecordingRow(row: NewRecording): RecordingRow {
  return { ...row, state: "recording", note: null, mp4File: null, endedAt: null, durationSec: null, sizeBytes: 0, videoCodec: null, audioCodec: null, width: null, height: null };
}

export function markerRow(recordingId: string, atSec: number, label: string | null): MarkerRow {
  return { id: newPrefixedId("mrk"), recordingId, atSec, label, createdAt: Date.now() };
}

/** Recordings, their markers and clips, and each stream's recording settings. */
export class RecordingsRepo {
  // Prepared once: every health answer reads a stream's settings, and drizzle would build and SQLite compile the query each time.
  private readonly settingsByStream;

  constructor(private readonly db: Db) {
    this.settingsByStream = db.select().from(recordingSettings).where(eq(recordingSettings.streamId, sql.placeholder("streamId"))).prepare();
  }

  settings(streamId: string): RecordingSettings {
    return settingsOf(this.settingsByStream.get({ streamId }));
  }

  updateSettings(streamId: string, patch: RecordingSettingsPatch): RecordingSettings {
    const next = patchedSettings(this.settings(streamId), patch);
    const values = settingsColumns(next);
    this.db
      .insert(recordingSettings)
      .values({ streamId, ...values })
      .onConflictDoUpdate({ target: recordingSettings.streamId, set: values })
      .run();
    return next;
  }

  deleteSettings(streamId: string): void {
    this.db.delete(recordingSettings).where(eq(recordingSettings.streamId, streamId)).run();
  }

  newRecordingId(): string {
    return newPrefixedId("rec");
  }

  create(row: NewRecording): RecordingRow {
    const full = newRecordingRow(row);
    this.db.insert(recordings).values(full).run();
    return full;
  }

  get(id: string): RecordingRow | undefined {
    return this.db.select().from(recordings).where(eq(recordings.id, id)).get();
  }

  /** Newest first. */
  listByStream(streamId: string): RecordingRow[] {
    return this.db.select().from(recordings).where(eq(recordings.streamId, streamId)).orderBy(desc(recordings.startedAt), desc(recordings.id)).all();
  }

  /** Oldest first, every stream. */
  listAll(): RecordingRow[] {
    return this.db.select().from(recordings).orderBy(asc(recordings.startedAt), asc(recordings.id)).all();
  }

  unfinished(): RecordingRow[] {
    return this.db.select().from(recordings).where(inArray(recordings.state, ["recording", "finalizing"])).orderBy(asc(recordings.startedAt), asc(recordings.id)).all();
  }

  update(id: string, patch: Partial<Omit<RecordingRow, "id">>): RecordingRow | undefined {
    this.db.update(recordings).set(patch).where(eq(recordings.id, id)).run();
    return this.get(id);
  }

  /** The recording's row, with its clips and markers (cascade). */
  delete(id: string): boolean {
    return this.db.delete(recordings).where(eq(recordings.id, id)).run().changes > 0;
  }

  addMarker(recordingId: string, atSec: number, label: string | null): MarkerRow {
    const row = markerRow(recordingId, atSec, label);
    this.db.insert(recordingMarkers).values(row).run();
    return row;
  }

  markers(recordingId: string): MarkerRow[] {
    return this.db.select().from(recordingMarkers).where(eq(recordingMarkers.recordingId, recordingId)).orderBy(asc(recordingMarkers.atSec), asc(recordingMarkers.createdAt), asc(recordingMarkers.id)).all();
  }

  newClipId(): string {
    return newPrefixedId("clip");
  }

  addClip(row: ClipRow): ClipRow {
    this.db.insert(clips).values(row).run();
    return row;
  }

  clip(id: string): ClipRow | undefined {
    return this.db.select().from(clips).where(eq(clips.id, id)).get();
  }

  clipsOf(recordingId: string): ClipRow[] {
    return this.db.select().from(clips).where(eq(clips.recordingId, recordingId)).orderBy(asc(clips.createdAt), asc(clips.id)).all();
  }

  deleteClip(id: string): boolean {
    return this.db.delete(clips).where(and(eq(clips.id, id))).run().changes > 0;
  }
}
