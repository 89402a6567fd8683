import type { TrackKind } from "./media.js";

/**
 * The one timeline every output sees, across publishers and the slate: each source's timestamps
 * are shifted so they continue where the last source stopped. Within a track decode times never
 * go backwards; at a switch the new source starts strictly after both the last decode time of
 * each track and the latest presentation time sent (with B-frames that is not the last frame's),
 * so what a viewer sees never steps back. Its pictures also start a whole number of frames after
 * the last picture: readers that infer the frame rate from the timestamps (ffmpeg and the
 * transcoders behind platform ingests) otherwise see the grid shift and guess e.g. 24.83 fps for
 * a 25 fps stream, then put two frames in one slot every few seconds.
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
   * A new source starts at least a frame (`frameMs`, the stream's frame duration, may be
   * fractional) after the current end, on the video's frame grid, with its own clock reading
   * `sourceDts` at its first frame, presented `sourceCts` later.
   */
  continueWith(sourceDts: number, sourceCts: number, frameMs: number): void {
    let start = Math.max(this.now() + frameMs, this.maxPts + frameMs - sourceCts);
    const lastPicture = this.last.video;
    // The small epsilon keeps a start already on the grid (float error) from moving a frame later.
    if (lastPicture > -Infinity) start = lastPicture + Math.ceil((start - lastPicture) / frameMs - 1e-6) * frameMs;
    this.offset = Math.round(start) - sourceDts;
  }
}
