/** What an ingest accepts, published by the platform; used for warnings and default transcoding. */
export interface IngestLimits {
  maxVideoKbps?: number;
  maxAudioKbps?: number;
  maxWidth?: number;
  maxHeight?: number;
  maxFps?: number;
  keyframeIntervalSec?: number;
}

export type IngestCheck = { ok: true; url: string; streamKey: string } | { ok: false; message: string };

/**
 * One streaming platform. Each lives in its own folder and is listed once in registry.ts; the
 * relay and the API only ever talk to this interface.
 */
export interface PlatformAdapter {
  id: string;
  displayName: string;
  /** Validates and normalises an ingest URL and stream key typed in by the streamer. */
  checkIngest(input: { url: string; streamKey: string }): IngestCheck;
  limits: IngestLimits | null;
}
