import type Ffmpeg from "fluent-ffmpeg";
import { lazyModule } from "../core/lazy-module.js";

/**
 * fluent-ffmpeg (~8 MiB with its helpers once loaded), required the first time Prism drives an ffmpeg
 * (a slate, a transcode, a recording, an uploaded file) rather than at start: a plain relay never does.
 */
export const fluentFfmpeg = lazyModule<typeof Ffmpeg>(import.meta.url, "fluent-ffmpeg");
export type { Ffmpeg };
