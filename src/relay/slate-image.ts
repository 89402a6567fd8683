import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lazyModule } from "../core/lazy-module.js";
import { checkImage } from "../media/ffmpeg.js";

/** image-size reads an uploaded slate's header: loaded with the first upload, not at start. */
const imageSizeModule = lazyModule<typeof import("image-size")>(import.meta.url, "image-size");

/** The image shipped with Prism, at the package root (two levels above src/relay and dist/relay). */
export const DEFAULT_SLATE_IMAGE = fileURLToPath(new URL("../../assets/slate.png", import.meta.url));

/** Uploaded slate images live in the data dir under slates/. */
export function slateImagePath(dataDir: string, file: string | null): string {
  return file ? join(dataDir, "slates", file) : DEFAULT_SLATE_IMAGE;
}

const FORMATS = [
  { ext: "png", mime: "image/png", magic: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
  { ext: "jpg", mime: "image/jpeg", magic: Buffer.from([0xff, 0xd8, 0xff]) },
];

/**
 * Bounds on an uploaded slate: the encoder scales it to the stream's size anyway, and decoding cost
 * follows the declared pixels, not the file size (a 31 KB PNG declaring 16000×16000 px cost ffmpeg
 * 6.6 s and 165 MB per encode). Both are checked on the header, before anything is decoded.
 */
export const SLATE_LIMITS = { maxBytes: 5 * 1024 * 1024, maxPixels: 3840 * 2160, maxSide: 7680 } as const;
// The API already caps the data URL at 250,000 characters (~180 KB, src/api/schemas.ts); maxBytes
// bounds the store itself for any other caller.

export class SlateImageError extends Error {}

/** Per-stream slate images, checked to be a PNG or JPEG that ffmpeg can actually encode. */
export class SlateImageStore {
  constructor(private readonly dataDir: string) {}

  /** Stores a `data:image/png;base64,…` (or jpeg) URL for a stream; returns the file name to keep. */
  async save(streamId: string, dataUrl: string): Promise<string> {
    const match = /^data:(image\/[a-z]+);base64,([A-Za-z0-9+/=\s]+)$/.exec(dataUrl);
    const format = match && FORMATS.find((f) => f.mime === match[1]);
    if (!match || !format) throw new SlateImageError("The slate image must be a data URL of a PNG or JPEG: data:image/png;base64,…");
    // Base64 is 4 characters for 3 bytes: refuse an oversized upload before decoding it.
    if (match[2]!.replace(/\s/g, "").length > Math.ceil(SLATE_LIMITS.maxBytes / 3) * 4) throw tooLarge();
    const bytes = Buffer.from(match[2]!, "base64");
    if (bytes.length > SLATE_LIMITS.maxBytes) throw tooLarge();
    if (!bytes.subarray(0, format.magic.length).equals(format.magic)) {
      throw new SlateImageError(`The data is not a ${format.ext.toUpperCase()} image.`);
    }
    checkDimensions(bytes);
    const dir = join(this.dataDir, "slates");
    await mkdir(dir, { recursive: true });
    // A fresh name per upload: a live stream may still be encoding from the previous file.
    const file = `${streamId}-${Date.now().toString(36)}.${format.ext}`;
    const path = join(dir, file);
    await writeFile(path, bytes);
    try {
      await checkImage(path);
    } catch {
      await rm(path, { force: true });
      throw new SlateImageError("ffmpeg could not read that image; try exporting it again as PNG or JPEG.");
    }
    return file;
  }

  async remove(file: string | null): Promise<void> {
    if (file) await rm(slateImagePath(this.dataDir, file), { force: true });
  }
}

function tooLarge(): SlateImageError {
  return new SlateImageError(`The slate image is larger than ${SLATE_LIMITS.maxBytes / 1024 / 1024} MB; export it smaller (it is scaled to the stream's size anyway, e.g. 1920×1080).`);
}

/** Reads the size the PNG/JPEG header declares (image-size reads headers only) and refuses one too large to decode cheaply. */
function checkDimensions(bytes: Buffer): void {
  let size: { width?: number; height?: number };
  try {
    size = imageSizeModule().imageSize(bytes);
  } catch {
    throw new SlateImageError("Prism could not read that image's header; try exporting it again as PNG or JPEG.");
  }
  const { width = 0, height = 0 } = size;
  if (width <= 0 || height <= 0) throw new SlateImageError("Prism could not read that image's size; try exporting it again as PNG or JPEG.");
  if (width * height > SLATE_LIMITS.maxPixels || width > SLATE_LIMITS.maxSide || height > SLATE_LIMITS.maxSide) {
    throw new SlateImageError(
      `The slate image is ${width}×${height} pixels; the most Prism accepts is ${SLATE_LIMITS.maxPixels.toLocaleString("en")} pixels (3840×2160) and ${SLATE_LIMITS.maxSide} pixels a side. Export it at the stream's size, e.g. 1920×1080.`,
    );
  }
}
