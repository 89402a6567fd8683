import type { MediaPacket } from "./media.js";

const AVC = 7;
const HEVC_LEGACY = 12;
const EX_HEADER = 0x80;
const EX_CODED_FRAMES = 1;
const FOURCC_WITH_CTS = new Set(["avc1", "hvc1"]);

/**
 * How long after its decode time a video frame is presented (the FLV CompositionTime, a signed
 * 24-bit ms value; B-frames make it non-zero). Audio and codec headers are presented at their dts.
 */
export function compositionTime(packet: MediaPacket): number {
  const p = packet.payload;
  if (packet.kind !== "video" || packet.isHeader || p.length < 5) return 0;
  if (p[0]! & EX_HEADER) {
    // Enhanced RTMP: only CodedFrames (not CodedFramesX) of AVC/HEVC carry a composition time, after the FourCC.
    if ((p[0]! & 0x0f) !== EX_CODED_FRAMES || p.length < 8 || !FOURCC_WITH_CTS.has(p.toString("latin1", 1, 5))) return 0;
    return p.readIntBE(5, 3);
  }
  if ((packet.codecId !== AVC && packet.codecId !== HEVC_LEGACY) || p[1] !== 1) return 0;
  return p.readIntBE(2, 3);
}
