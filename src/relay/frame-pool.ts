/**
 * Reusable buffers for the hub's encoded frames. Every frame the hub encodes is a new Buffer the
 * size of its payload; at 16 streams that is ~12 MB/s of ArrayBuffers, and V8 counts what such
 * buffers hold against the heap's limit: measured at bench:capacity 16×4, these allocations alone
 * were ~40 % of the process's full mark-compact GCs (95 → 57 in one window without them). A frame
 * is done with once the hub has dropped it (its GOP was replaced) and every output that queued it
 * has sent it, so its buffer can carry a later frame instead.
 *
 * The hub and DestinationOutput are the only holders of a frame's chunks past the frame() call
 * (the recorder and the transcoder copy what they keep), so they are the only ones that count.
 * A holder that never gives a lease back only costs the reuse: its buffer is then collected as
 * before. Releasing more often than retaining would hand a buffer out twice, so release is once
 * per retain, by construction: the write callback of a stream runs once.
 */

/** Smallest pooled size: smaller frames (most audio) come from Node's own 8 KiB slabs. */
const MIN_CLASS_BYTES = 4096;
/** Largest pooled size; a bigger frame (a huge keyframe) gets a Buffer of its own. */
const MAX_CLASS_BYTES = 4 * 1024 * 1024;

/**
 * Size classes 2^k and 1.5 × 2^k, so a frame wastes at most a third of its buffer (a sixth on
 * average) and a few lists cover every size.
 */
export function sizeClass(bytes: number): number | null {
  if (bytes > MAX_CLASS_BYTES) return null;
  let size = MIN_CLASS_BYTES;
  while (size < bytes) size = size & (size - 1) ? (size / 3) * 4 : size * 1.5;
  return size;
}

export class FramePool {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;

  /** `maxFreeBytes`: what the pool may keep unused; buffers given back beyond it are left to the GC. */
  constructor(private readonly maxFreeBytes = 32 * 1024 * 1024) {}

  /** A lease on a buffer of at least `bytes`, or null when frames this size are not pooled. */
  lease(bytes: number): FrameLease | null {
    if (bytes < MIN_CLASS_BYTES) return null;
    const size = sizeClass(bytes);
    if (size === null) return null;
    const reused = this.free.get(size)?.pop();
    if (reused) this.freeBytes -= size;
    return new FrameLease(this, reused ?? Buffer.allocUnsafeSlow(size));
  }

  /** Bytes kept for reuse now. */
  get idleBytes(): number {
    return this.freeBytes;
  }

  /** Called by a lease whose last holder let go. */
  giveBack(buffer: Buffer): void {
    if (this.freeBytes + buffer.length > this.maxFreeBytes) return;
    const list = this.free.get(buffer.length);
    if (list) list.push(buffer);
    else this.free.set(buffer.length, [buffer]);
    this.freeBytes += buffer.length;
  }
}

/**
 * One frame's buffer and how many hold it: the hub from the start, then each output while the
 * frame waits in its socket. `release` is a bound function, so it can be a write callback as is.
 */
export class FrameLease {
  private holders = 1;

  constructor(
    private readonly pool: FramePool,
    readonly buffer: Buffer,
  ) {}

  retain(): void {
    this.holders++;
  }

  readonly release = (): void => {
    if (this.holders <= 0) return; // given back already: a late extra call must not hand it out twice
    if (--this.holders === 0) this.pool.giveBack(this.buffer);
  };
}
