import { platformConfig } from "../platform-config.js";
import { positive } from "../../core/setting-schemas.js";
import { KICK_DELIVERY_WINDOW_MS } from "./limits.js";

/**
 * Kick's settings: PRISM_KICK_CLIENT_ID, … (derived; sign-in and tokens at id.kick.com, the API at
 * api.kick.com/public/v1, where the webhook's public key is fetched too) and how old a signed
 * webhook delivery may be.
 */
export const kickConfig = platformConfig({
  urls: { auth: "https://id.kick.com", api: "https://api.kick.com/public/v1" },
  env: {
    PRISM_KICK_WEBHOOK_WINDOW_MS: positive("PRISM_KICK_WEBHOOK_WINDOW_MS", KICK_DELIVERY_WINDOW_MS).describe(
      "How far a Kick webhook delivery's Kick-Event-Message-Timestamp may be from now before it is refused as a replay",
    ),
    PRISM_KICK_VIEWERS_POLL_MS: positive("PRISM_KICK_VIEWERS_POLL_MS", 30_000).describe("How often a live Kick destination's viewer count is read (GET /channels)"),
  },
  options: (env) => ({ deliveryWindowMs: env.PRISM_KICK_WEBHOOK_WINDOW_MS, viewersPollMs: env.PRISM_KICK_VIEWERS_POLL_MS }),
});

export type KickOptions = ReturnType<typeof kickConfig.options>;
