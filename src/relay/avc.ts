/**
 * H.264 parameter sets (SPS/PPS) from an FLV AVC sequence header, and a keyframe that carries them
 * in-band. When the source of a stream changes (publisher → slate → publisher), decoders must
 * switch parameter sets; many ignore a mid-stream sequence header, none ignore in-band SPS/PPS.
 */

const FLV_VIDEO_HEADER = 5; // frame type/codec, AVC packet type, composition time

export interface ParameterSets {
  /** NAL length field size of the stream (almost always 4). */
  lengthSize: number;
  nalUnits: Buffer[];
}

/** Parses an AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1) after the FLV video header. */
export function parameterSetsOf(sequenceHeader: Buffer): ParameterSets | null {
  const p = sequenceHeader;
  let o = FLV_VIDEO_HEADER;
  if (p.length < o + 7 || p[o] !== 1) return null;
  const lengthSize = (p[o + 4]! & 0x03) + 1;
  o += 5;
  const nalUnits: Buffer[] = [];
  for (const countMask of [0x1f, 0xff]) {
    const count = p[o++]! & countMask;
    for (let i = 0; i < count; i++) {
      if (o + 2 > p.length) return null;
      const len = p.readUInt16BE(o);
      o += 2;
      if (o + len > p.length) return null;
      nalUnits.push(p.subarray(o, o + len));
      o += len;
    }
  }
  return nalUnits.length > 0 ? { lengthSize, nalUnits } : null;
}

/** The keyframe's FLV payload with the parameter sets as NAL units in front of its own. */
export function withParameterSets(keyframe: Buffer, sets: ParameterSets): Buffer {
  const parts: Buffer[] = [keyframe.subarray(0, FLV_VIDEO_HEADER)];
  for (const nal of sets.nalUnits) {
    const length = Buffer.alloc(sets.lengthSize);
    length.writeUIntBE(nal.length, 0, sets.lengthSize);
    parts.push(length, nal);
  }
  parts.push(keyframe.subarray(FLV_VIDEO_HEADER));
  return Buffer.concat(parts);
}
