import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { twitchAccounts } from "./account.js";
import { twitchLimits } from "./limits.js";
import { twitchConfig } from "./config.js";

/**
 * Twitch by server URL + stream key, as pasted from the Twitch dashboard. Any ingest host is
 * accepted (Twitch lists many, and the global one moves); the key stays in its own field.
 */
export const twitch = {
  id: "twitch",
  displayName: "Twitch",
  color: "#772ce8",
  limits: twitchLimits,
  config: twitchConfig,
  accounts: twitchAccounts,
  checkIngest: (input) => checkRtmpIngest(input, "rtmp://ingest.global-contribute.live-video.net/app"),
} satisfies PlatformAdapter;
