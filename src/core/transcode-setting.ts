/** What a destination should receive when it is not a straight copy of the ingest. */
export interface OutputProfile {
  videoKbps?: number;
  width?: number;
  height?: number;
  fps?: number;
  keyframeIntervalSec?: number;
  audioKbps?: number;
}

/**
 * "auto": copy when the ingest fits the platform's limits, otherwise transcode down to them;
 * "copy": always copy, whatever the platform says; a profile: always transcode to it.
 */
export type TranscodeSetting = "auto" | "copy" | OutputProfile;
