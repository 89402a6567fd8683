import type { FrameLease } from "./frame-pool.js";

/** RTMP message type ids (also FLV tag types). */
export const MessageType = { audio: 8, video: 9, data: 18 } as const;

export type TrackKind = keyof typeof MessageType;

/** One audio/video/data message as it arrives from the publisher. */
export interface MediaPacket {
  kind: TrackKind;
  /** Codec configuration (AVC/AAC sequence header); receivers need it before any frame. */
  isHeader: boolean;
  isKeyframe: boolean;
  /** FLV codec id (7 = H.264, 10 = AAC) or a FourCC for enhanced RTMP. */
  codecId: number;
  dts: number;
  /** Only valid during the call that hands it over: the parser reuses the buffer. */
  payload: Buffer;
}

/**
 * A message encoded once as RTMP chunks and shared, unchanged, by every output. `chunks` is valid
 * during the frame() call that hands it over and for as long as the hub keeps the frame (its GOP);
 * a reader that keeps it longer (an output's socket queue) holds the lease while it does, or copies.
 */
export interface EncodedFrame {
  kind: TrackKind;
  isHeader: boolean;
  isKeyframe: boolean;
  dts: number;
  /** Payload size, for bitrate accounting. */
  size: number;
  chunks: Buffer;
  /** The pooled buffer under `chunks` (src/relay/frame-pool.ts); absent when it is a Buffer of its own. */
  lease?: FrameLease | undefined;
}
