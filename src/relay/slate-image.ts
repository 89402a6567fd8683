import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The image shipped with Prism, at the package root (two levels above src/relay and dist/relay). */
export const DEFAULT_SLATE_IMAGE = fileURLToPath(new URL("../../assets/slate.png", import.meta.url));

/** Uploaded slate images live in the data dir under slates/. */
export function slateImagePath(dataDir: string, file: string | null): string {
  return file ? join(dataDir, "slates", file) : DEFAULT_SLATE_IMAGE;
}
