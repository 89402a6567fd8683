const TWO_31 = 2 ** 31;
const TWO_32 = 2 ** 32;
/** A step this large is no real gap in a stream (12 days): it is the sender's clock wrapping. */
const WRAP_THRESHOLD = 2 ** 30;

/**
 * A publisher's RTMP timestamps, unwrapped into one ever-increasing millisecond clock.
 *
 * RTMP timestamps are 32 bits and wrap after 49.7 days; the spec asks receivers to use serial
 * number arithmetic. But FLV timestamps are signed 32-bit, and the FLV muxers behind most
 * publishers (ffmpeg's, OBS's) mask the top bit, so their RTMP timestamps wrap at 2^31 ms
 * (24.8 days) instead. Both are recognised: a backward step of more than 2^30 ms is a wrap, at
 * 2^32 if the sender had used the top bit, else at 2^31; a forward step that large is a message
 * from just before a wrap arriving after one from just after it (audio and video interleave).
 */
export class IngestClock {
  private lastWire: number | null = null;
  private lastUnwrapped = 0;

  unwrap(wire: number): number {
    if (this.lastWire === null) {
      this.lastWire = wire;
      this.lastUnwrapped = wire;
      return wire;
    }
    let step = wire - this.lastWire;
    if (step < -WRAP_THRESHOLD) step += this.lastWire >= TWO_31 ? TWO_32 : TWO_31;
    else if (step > WRAP_THRESHOLD) step -= wire >= TWO_31 ? TWO_32 : TWO_31;
    this.lastWire = wire;
    this.lastUnwrapped += step;
    return this.lastUnwrapped;
  }
}
