import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { kickAccounts } from "./account.js";
import { kickLimits } from "./limits.js";
import { kickConfig } from "./config.js";
import { kickRoutes } from "./routes.js";

/**
 * Kick by stream URL + key: handed out by Kick's public API to a linked account (streamkey:read),
 * or pasted from Kick's creator dashboard. Its ingest is RTMPS on Amazon IVS hosts that differ per
 * channel, so no host is assumed.
 */
export const kick = {
  id: "kick",
  displayName: "Kick",
  // Kick's brand green (#53fc18) darkened: the badge's text is white.
  color: "#1f7a0c",
  limits: kickLimits,
  config: kickConfig,
  accounts: kickAccounts,
  checkIngest: (input) => checkRtmpIngest(input, "rtmps://fa723fc1b171.global-contribute.live-video.net/app"),
  routes: kickRoutes,
} satisfies PlatformAdapter;
