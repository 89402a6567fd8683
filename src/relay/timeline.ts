import type { TrackKind } from "./media.js";

/**
 * The one timeline every output sees, across publishers and the slate: each source's timestamps
 * are shifted so they continue where the last source stopped, and no track ever goes backwards.
 */
export class Timeline {
  private offset = 0;
  private readonly last: Record<TrackKind, number> = { audio: -1, video: -1, data: -1 };

  /** The timestamp for a source's `dts`, or null when it would go backwards on its track. */
  map(kind: TrackKind, dts: number): number | null {
    const out = dts + this.offset;
    if (out < this.last[kind]) return null;
    this.last[kind] = out;
    return out;
  }

  /** Codec headers carry no time of their own: they go out at the current end of the timeline. */
  now(): number {
    return Math.max(0, this.last.audio, this.last.video);
  }

  /** A new source starts `gapMs` after the current end, with its own clock reading `sourceDts`. */
  continueWith(sourceDts: number, gapMs: number): void {
    this.offset = this.now() + gapMs - sourceDts;
  }
}
