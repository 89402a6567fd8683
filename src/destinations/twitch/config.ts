import { z } from "zod";
import { platformConfig } from "../platform-config.js";

/** Twitch's settings: PRISM_TWITCH_CLIENT_ID, … (derived) and the ingest and EventSub addresses. */
export const twitchConfig = platformConfig({
  urls: { auth: "https://id.twitch.tv", api: "https://api.twitch.tv" },
  env: {
    PRISM_TWITCH_INGEST_URL: z.url({ error: "PRISM_TWITCH_INGEST_URL must be an rtmp(s):// URL" }).default("rtmp://live.twitch.tv/app").describe("Twitch ingest server linked Twitch destinations push to"),
    PRISM_TWITCH_EVENTSUB_URL: z
      .url({ error: "PRISM_TWITCH_EVENTSUB_URL must be a wss:// URL" })
      .default("wss://eventsub.wss.twitch.tv/ws")
      .describe("Twitch EventSub WebSocket the Twitch chat reader connects to"),
  },
  options: (env) => ({ ingestUrl: env.PRISM_TWITCH_INGEST_URL.replace(/\/+$/, ""), eventsubUrl: env.PRISM_TWITCH_EVENTSUB_URL }),
});

export type TwitchOptions = ReturnType<typeof twitchConfig.options>;
