import type { TrackKind } from "./media.js";

/**
 * The one timeline every output sees, across publishers and the slate: each source's timestamps
 * are shifted so they continue where the last source stopped. Within a track decode times never
 * go backwards; at a switch the new source starts strictly after both the last decode time of
 * each track and the latest presentation time sent (with B-frames that is not the last frame's),
 * so what a viewer sees never steps back.
 */
export class Timeline {
  private offset = 0;
  private readonly last: Record<TrackKind, number> = { audio: -Infinity, video: -Infinity, data: -Infinity };
  private maxPts = -Infinity;

  /**
   * The timestamp for a source's `dts` (`cts`: the frame's composition time), or null when it
   * would not move its track forward: audio and video strictly increase, data may repeat.
   */
  map(kind: TrackKind, dts: number, cts = 0): number | null {
    const out = dts + this.offset;
    const last = this.last[kind];
    if (kind === "data" ? out < last : out <= last) return null;
    this.last[kind] = out;
    if (kind === "video") this.maxPts = Math.max(this.maxPts, out + cts);
    return out;
  }

  /** Codec headers carry no time of their own: they go out at the current end of the timeline. */
  now(): number {
    return Math.max(0, this.last.audio, this.last.video);
  }

  /**
   * A new source starts `gapMs` after the current end, with its own clock reading `sourceDts` at
   * its first frame, presented `sourceCts` later.
   */
  continueWith(sourceDts: number, sourceCts: number, gapMs: number): void {
    const afterDecode = this.now() + gapMs - sourceDts;
    const afterPresentation = this.maxPts + gapMs - (sourceDts + sourceCts);
    this.offset = Math.max(afterDecode, afterPresentation);
  }
}
