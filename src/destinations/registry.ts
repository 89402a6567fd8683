import type { PlatformAdapter } from "./types.js";
import { custom } from "./custom/index.js";
import { twitch } from "./twitch/index.js";
import { youtube } from "./youtube/index.js";
import { x } from "./x/index.js";
import { twitcasting } from "./twitcasting/index.js";
import { facebook } from "./facebook/index.js";

/** Every platform Prism can stream to. Adding one: its folder, and one line here. */
export const platforms = {
  custom,
  twitch,
  youtube,
  x,
  twitcasting,
  facebook,
} as const satisfies Record<string, PlatformAdapter>;

export type PlatformId = keyof typeof platforms;
export const platformIds = Object.keys(platforms) as [PlatformId, ...PlatformId[]];

/** The platform a stored destination names; an id no longer listed is treated as a plain RTMP server. */
export function platformOf(id: string): PlatformAdapter {
  return (platforms as Record<string, PlatformAdapter>)[id] ?? platforms.custom;
}
