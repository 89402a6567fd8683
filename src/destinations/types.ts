import type { AccountSupport } from "./account-types.js";

/** What an ingest accepts, published by the platform; used for warnings and default transcoding. */
export interface IngestLimits {
  maxVideoKbps?: number;
  /** Caps that depend on the picture: the first step whose maxHeight the stream fits applies. */
  videoKbpsByHeight?: ReadonlyArray<{ maxHeight: number; maxKbps: number }>;
  maxAudioKbps?: number;
  maxWidth?: number;
  maxHeight?: number;
  maxFps?: number;
  /** The keyframe interval the platform asks for; Prism encodes to it when it transcodes. */
  keyframeIntervalSec?: number;
  /** The longest keyframe interval the ingest tolerates; absent: the platform publishes none. */
  maxKeyframeIntervalSec?: number;
  /** Codecs accepted over RTMP, named as in ingest health ("H264", "HEVC", "AAC", …); absent: any. */
  videoCodecs?: readonly string[];
  audioCodecs?: readonly string[];
  /** The platform refuses or drops a stream without an audio track. */
  requiresAudio?: boolean;
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
  /** Linking an account with OAuth, and what a linked account does (account-types.ts); absent: URL + key only. */
  accounts?: AccountSupport;
}
