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

/** A message encoded once as RTMP chunks and shared, unchanged, by every output. */
export interface EncodedFrame {
  kind: TrackKind;
  isHeader: boolean;
  isKeyframe: boolean;
  dts: number;
  /** Payload size, for bitrate accounting. */
  size: number;
  chunks: Buffer;
}
