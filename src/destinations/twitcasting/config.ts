import { platformConfig } from "../platform-config.js";

/** TwitCasting's settings: only the derived PRISM_TWITCASTING_CLIENT_ID, … (one host for sign-in and API). */
export const twitcastingConfig = platformConfig({
  urls: { auth: "https://apiv2.twitcasting.tv", api: "https://apiv2.twitcasting.tv" },
  env: {},
  options: () => ({}),
});
