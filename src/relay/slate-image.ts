import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkImage } from "../media/ffmpeg.js";

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

export class SlateImageError extends Error {}

/** Per-stream slate images, checked to be a PNG or JPEG that ffmpeg can actually encode. */
export class SlateImageStore {
  constructor(private readonly dataDir: string) {}

  /** Stores a `data:image/png;base64,…` (or jpeg) URL for a stream; returns the file name to keep. */
  async save(streamId: string, dataUrl: string): Promise<string> {
    const match = /^data:(image\/[a-z]+);base64,([A-Za-z0-9+/=\s]+)$/.exec(dataUrl);
    const format = match && FORMATS.find((f) => f.mime === match[1]);
    if (!match || !format) throw new SlateImageError("The slate image must be a data URL of a PNG or JPEG: data:image/png;base64,…");
    const bytes = Buffer.from(match[2]!, "base64");
    if (!bytes.subarray(0, format.magic.length).equals(format.magic)) {
      throw new SlateImageError(`The data is not a ${format.ext.toUpperCase()} image.`);
    }
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
