import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { twitcastingAccounts } from "./account.js";
import { twitcastingLimits } from "./limits.js";
import { twitcastingConfig } from "./config.js";

/**
 * TwitCasting by the RTMP URL + stream key from its broadcast settings. TwitCasting hands out
 * per-account ingest hosts (its API's /rtmp_url), so no host is assumed.
 */
export const twitcasting = {
  id: "twitcasting",
  displayName: "TwitCasting",
  mark: "TC",
  color: "#0b6bb3",
  limits: twitcastingLimits,
  config: twitcastingConfig,
  accounts: twitcastingAccounts,
  checkIngest: (input) => checkRtmpIngest(input),
} satisfies PlatformAdapter;
