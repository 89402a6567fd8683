// The one place that reaches into node-media-server's modules. Prism uses its RTMP protocol engine
// (handshake, chunk parser, AMF) but owns sockets, auth and fan-out itself: NMS's own session and
// broadcast layers keep global state, hold a publish slot for 30 s after a disconnect and log to
// the console, none of which a relay with per-destination health can live with.
import NmsRtmp from "node-media-server/src/protocol/rtmp.js";
import Flv from "node-media-server/src/protocol/flv.js";
import * as amf from "node-media-server/src/protocol/amf.js";
import { parseH264Sps, parseH265Sps } from "node-media-server/src/protocol/sps_info.js";
import nmsLogger from "node-media-server/src/core/logger.js";
import type { Logger } from "pino";
import type AVPacket from "node-media-server/src/core/avpacket.js";
import type { MediaPacket, TrackKind } from "../media.js";

export { Flv, amf, parseH264Sps, parseH265Sps };

/**
 * NMS's RTMP engine without the FLV file parser its constructor also builds: a zero-filled 1 MiB buffer
 * (Flv's parserTagData) per connection that neither the engine nor Prism ever reads. Kept, it held 1 MiB
 * per destination and per publisher (9 MiB at 8 destinations, 80 MiB at 16 streams x 4), counted as
 * external memory that V8 runs full collections for. Dropped here it is young garbage, gone at the next
 * scavenge.
 */
export class Rtmp extends NmsRtmp {
  constructor() {
    super();
    (this as { flv?: unknown }).flv = undefined;
  }
}

// The engine's own types, under the same name as the class above.
export declare namespace Rtmp {
  export type InvokeMessage = NmsRtmp.InvokeMessage;
  export type ParserPacket = NmsRtmp.ParserPacket;
  export type ConnectRequest = NmsRtmp.ConnectRequest;
}

/**
 * NMS writes its own lines to the console. Send them through pino instead, at debug: the parts Prism
 * uses only log protocol trivia (e.g. "Unknown command" for a server's onBWDone), which Prism's own
 * lines already cover in words that matter.
 */
export function routeNmsLogging(log: Logger): void {
  nmsLogger.level = "trace";
  nmsLogger.log = (message: string, level = "info") => {
    log.debug({ component: "node-media-server", nmsLevel: level }, String(message));
  };
}

const KIND_BY_TYPE: Record<number, TrackKind | undefined> = { 8: "audio", 9: "video", 18: "data" };

/**
 * NMS's parsed packet as Prism's MediaPacket. The payload is a view of NMS's parse buffer, which it
 * reuses for the next message: copy it to keep it.
 */
export function toMediaPacket(packet: AVPacket): MediaPacket | null {
  const kind = KIND_BY_TYPE[packet.codec_type];
  if (!kind) return null;
  return {
    kind,
    // NMS flags: 0 audio header, 2 video header, 5 metadata, 3 keyframe. NMS also flags an AVC
    // end-of-sequence tag (AVCPacketType 2, which ffmpeg writes at the end) as a keyframe.
    isHeader: packet.flags === 0 || packet.flags === 2 || packet.flags === 5,
    isKeyframe: packet.flags === 3 && !isAvcEndOfSequence(packet),
    codecId: packet.codec_id,
    dts: packet.dts,
    payload: packet.data.subarray(0, packet.size),
  };
}

export function isAvcEndOfSequence(packet: AVPacket): boolean {
  return packet.codec_type === 9 && packet.codec_id === 7 && packet.data[1] === 2;
}
