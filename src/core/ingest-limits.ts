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
