import { platformConfig } from "../platform-config.js";
import { positive } from "../../core/setting-schemas.js";

/** TwitCasting's settings: the derived PRISM_TWITCASTING_CLIENT_ID, … (one host for sign-in and API) and the viewer-count pace. */
export const twitcastingConfig = platformConfig({
  urls: { auth: "https://apiv2.twitcasting.tv", api: "https://apiv2.twitcasting.tv" },
  env: {
    PRISM_TWITCASTING_VIEWERS_POLL_MS: positive("PRISM_TWITCASTING_VIEWERS_POLL_MS", 30_000).describe(
      "How often a live TwitCasting destination's viewer count is read (GET /users/:id/current_live: one of the 60 calls a minute a token gets, shared with chat)",
    ),
  },
  options: (env) => ({ viewersPollMs: env.PRISM_TWITCASTING_VIEWERS_POLL_MS }),
});

export type TwitCastingOptions = ReturnType<typeof twitcastingConfig.options>;
