import type { PlatformAdapter } from "./types.js";
import { custom } from "./custom/index.js";

/** Every platform Prism can stream to. Adding one: its folder, and one line here. */
export const platforms = {
  custom,
} as const satisfies Record<string, PlatformAdapter>;

export type PlatformId = keyof typeof platforms;
export const platformIds = Object.keys(platforms) as [PlatformId, ...PlatformId[]];
