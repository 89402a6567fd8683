import type { PlatformAdapter } from "./types.js";
import * as listed from "./platform-list.js";

/**
 * Every platform Prism can stream to, from platform-list.ts (one line each), in the order of their ids
 * (a module's exports are sorted by name). Adding one: its folder, and one line in platform-list.ts.
 */
export const platforms = { ...listed } as const satisfies Record<string, PlatformAdapter>;

export type PlatformId = keyof typeof platforms;
export const platformIds = Object.keys(platforms) as [PlatformId, ...PlatformId[]];

/** The platform a stored destination names; an id no longer listed is treated as a plain RTMP server. */
export function platformOf(id: string): PlatformAdapter {
  return (platforms as Record<string, PlatformAdapter>)[id] ?? platforms.custom;
}
