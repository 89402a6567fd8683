/**
 * Counts events and bytes over a sliding window of one-second buckets, so bitrate and fps read as
 * "the last few seconds" without keeping every sample.
 */
export class RateMeter {
  private readonly bytes: number[];
  private readonly counts: number[];
  private second = -1;

  constructor(private readonly windowSeconds = 5, private readonly now = () => Date.now()) {
    this.bytes = new Array<number>(windowSeconds).fill(0);
    this.counts = new Array<number>(windowSeconds).fill(0);
  }

  add(bytes: number, count = 1): void {
    const i = this.advance();
    this.bytes[i]! += bytes;
    this.counts[i]! += count;
  }

  /** Average over the completed seconds of the window (the current second is still filling). */
  perSecond(): { bytes: number; count: number } {
    const current = this.advance();
    let bytes = 0;
    let count = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      if (i === current) continue;
      bytes += this.bytes[i]!;
      count += this.counts[i]!;
    }
    const seconds = this.windowSeconds - 1;
    return { bytes: bytes / seconds, count: count / seconds };
  }

  private advance(): number {
    const second = Math.floor(this.now() / 1000);
    if (this.second < 0) this.second = second;
    const gap = Math.min(second - this.second, this.windowSeconds);
    for (let k = 1; k <= gap; k++) {
      const i = (this.second + k) % this.windowSeconds;
      this.bytes[i] = 0;
      this.counts[i] = 0;
    }
    this.second = Math.max(this.second, second);
    return this.second % this.windowSeconds;
  }
}

export function kbps(bytesPerSecond: number): number {
  return Math.round((bytesPerSecond * 8) / 1000);
}
