import { z } from "zod";
import { platformConfig } from "../platform-config.js";
import { positive } from "../../core/setting-schemas.js";

/** YouTube's settings: PRISM_YOUTUBE_CLIENT_ID, … (derived), broadcast privacy and polling paces. */
export const youtubeConfig = platformConfig({
  urls: { auth: "https://accounts.google.com", token: "https://oauth2.googleapis.com", api: "https://www.googleapis.com" },
  env: {
    PRISM_YOUTUBE_GRPC_URL: z
      .url({ error: "PRISM_YOUTUBE_GRPC_URL must be a URL (https:// for TLS, http:// for a plain-text test server), or off" })
      .or(z.literal("off"))
      .default("https://youtube.googleapis.com")
      .describe("YouTube's gRPC endpoint for the live chat stream (liveChatMessages.streamList); off: poll liveChatMessages.list instead"),
    PRISM_YOUTUBE_PRIVACY: z.enum(["public", "unlisted", "private"]).default("public").describe("Privacy of the YouTube broadcasts Prism creates"),
    PRISM_YOUTUBE_POLL_MS: positive("PRISM_YOUTUBE_POLL_MS", 3_000).describe("How often YouTube is asked whether it receives the stream, before the broadcast is switched to live"),
    PRISM_YOUTUBE_CHAT_POLL_MS: positive("PRISM_YOUTUBE_CHAT_POLL_MS", 5_000).describe(
      "Shortest wait between two reads of a YouTube live chat (YouTube's own pollingIntervalMillis is honoured when longer); each read costs 5 units of the daily API quota",
    ),
    PRISM_YOUTUBE_VIEWERS_POLL_MS: positive("PRISM_YOUTUBE_VIEWERS_POLL_MS", 60_000).describe(
      "How often a live YouTube destination's viewer count is read (videos.list: 1 unit of the daily API quota a call; every minute is 1,440 units a day)",
    ),
  },
  /** grpcUrl: where liveChatMessages.streamList is served; undefined: chat is polled. */
  options: (env) => ({
    privacy: env.PRISM_YOUTUBE_PRIVACY,
    pollMs: env.PRISM_YOUTUBE_POLL_MS,
    chatPollMs: env.PRISM_YOUTUBE_CHAT_POLL_MS,
    viewersPollMs: env.PRISM_YOUTUBE_VIEWERS_POLL_MS,
    grpcUrl: env.PRISM_YOUTUBE_GRPC_URL === "off" ? undefined : env.PRISM_YOUTUBE_GRPC_URL,
  }),
});

export type YouTubeOptions = ReturnType<typeof youtubeConfig.options>;
