import type { MediaPacket } from "./media.js";
import { amf, parseH264Sps, parseH265Sps } from "./rtmp/nms.js";

export interface IngestMediaInfo {
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  /** As announced in the publisher's metadata. */
  framerate: number | null;
  audioSampleRate: number | null;
  audioChannels: number | null;
}

export const emptyIngestMediaInfo = (): IngestMediaInfo => ({
  videoCodec: null,
  audioCodec: null,
  width: null,
  height: null,
  framerate: null,
  audioSampleRate: null,
  audioChannels: null,
});

const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

const fourcc = (s: string) => Buffer.from(s).readUInt32BE();
const VIDEO_CODECS = new Map<number, string>([
  [7, "H264"],
  [12, "HEVC"],
  [fourcc("hvc1"), "HEVC"],
  [fourcc("av01"), "AV1"],
  [fourcc("vp09"), "VP9"],
  [2, "H263"],
  [4, "VP6"],
]);
const AUDIO_CODECS = new Map<number, string>([
  [10, "AAC"],
  [2, "MP3"],
  [11, "Speex"],
  [0, "PCM"],
  [3, "PCM"],
  [9, "Enhanced"],
]);

/** Fills in what the stream carries from its codec headers (SPS for size) and metadata. */
export function describeCodecs(info: IngestMediaInfo, packet: MediaPacket): void {
  if (packet.kind === "video" && packet.isHeader) {
    info.videoCodec = VIDEO_CODECS.get(packet.codecId) ?? `codec ${packet.codecId}`;
    const size = sizeFromSequenceHeader(packet);
    if (size) Object.assign(info, size);
  } else if (packet.kind === "audio" && packet.isHeader && packet.codecId === 10 && packet.payload.length >= 4) {
    // AudioSpecificConfig after the 2-byte FLV AAC header: 5 bits object type, 4 frequency index, 4 channels.
    const asc = packet.payload.readUInt16BE(2);
    info.audioCodec = "AAC";
    info.audioSampleRate = AAC_SAMPLE_RATES[(asc >> 7) & 0x0f] ?? null;
    info.audioChannels = (asc >> 3) & 0x0f || null;
  } else if (packet.kind === "audio" && info.audioCodec === null) {
    info.audioCodec = AUDIO_CODECS.get(packet.codecId) ?? `codec ${packet.codecId}`;
  } else if (packet.kind === "video" && info.videoCodec === null) {
    info.videoCodec = VIDEO_CODECS.get(packet.codecId) ?? `codec ${packet.codecId}`;
  } else if (packet.kind === "data") {
    const meta = amf.decodeAmf0Data(packet.payload).dataObj;
    if (!meta) return;
    if (info.width === null && typeof meta.width === "number" && typeof meta.height === "number" && meta.width > 0) {
      info.width = meta.width;
      info.height = meta.height;
    }
    if (typeof meta.framerate === "number" && meta.framerate > 0) info.framerate = meta.framerate;
  }
}

/** AVCDecoderConfigurationRecord after the 5-byte FLV video header: SPS length at 11, SPS at 13. */
function sizeFromSequenceHeader(packet: MediaPacket): { width: number; height: number } | null {
  const p = packet.payload;
  try {
    if (packet.codecId === 7 && p.length > 13) {
      const spsLength = p.readUInt16BE(11);
      return parseH264Sps(p.subarray(13, 13 + spsLength));
    }
    if (packet.codecId === fourcc("hvc1")) return hevcSize(p);
  } catch {
    // A malformed header only costs us the size in health; the stream is relayed as it is.
  }
  return null;
}

/** HEVCDecoderConfigurationRecord (enhanced RTMP: 5-byte header): 22 bytes, then NAL unit arrays. */
function hevcSize(p: Buffer): { width: number; height: number } | null {
  let o = 5 + 22;
  const arrays = p[o++] ?? 0;
  for (let a = 0; a < arrays; a++) {
    const nalType = (p[o] ?? 0) & 0x3f;
    const count = p.readUInt16BE(o + 1);
    o += 3;
    for (let n = 0; n < count; n++) {
      const len = p.readUInt16BE(o);
      if (nalType === 33) return parseH265Sps(p.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
  }
  return null;
}
