import { z } from "zod";
import { platformConfig } from "../platform-config.js";
import { positive } from "../../core/setting-schemas.js";

/** Twitch's settings: PRISM_TWITCH_CLIENT_ID, … (derived) and the ingest and EventSub addresses. */
export const twitchConfig = platformConfig({
  urls: { auth: "https://id.twitch.tv", api: "https://api.twitch.tv" },
  env: {
    PRISM_TWITCH_INGEST_URL: z.url({ error: "PRISM_TWITCH_INGEST_URL must be an rtmp(s):// URL" }).default("rtmp://live.twitch.tv/app").describe("Twitch ingest server linked Twitch destinations push to"),
    PRISM_TWITCH_EVENTSUB_URL: z
      .url({ error: "PRISM_TWITCH_EVENTSUB_URL must be a wss:// URL" })
      .default("wss://eventsub.wss.twitch.tv/ws")
      .describe("Twitch EventSub WebSocket the Twitch chat reader connects to"),
    PRISM_TWITCH_VIEWERS_POLL_MS: positive("PRISM_TWITCH_VIEWERS_POLL_MS", 30_000).describe("How often a live Twitch destination's viewer count is read (GET /helix/streams: 1 of Helix's 800 points a minute)"),
  },
  options: (env) => ({ ingestUrl: env.PRISM_TWITCH_INGEST_URL.replace(/\/+$/, ""), eventsubUrl: env.PRISM_TWITCH_EVENTSUB_URL, viewersPollMs: env.PRISM_TWITCH_VIEWERS_POLL_MS }),
});

export type TwitchOptions = ReturnType<typeof twitchConfig.options>;
