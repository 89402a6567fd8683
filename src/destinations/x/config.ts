import { z } from "zod";
import { platformConfig } from "../platform-config.js";
import { positive } from "../../core/setting-schemas.js";
import { X_SEARCH_POLL_MS } from "./limits.js";

/** X's settings: PRISM_X_CLIENT_ID, … (derived), the reply-search pace and the Enterprise webhook's secret. */
export const xConfig = platformConfig({
  urls: { auth: "https://x.com", token: "https://api.x.com", api: "https://api.x.com" },
  env: {
    PRISM_X_CHAT_POLL_MS: positive("PRISM_X_CHAT_POLL_MS", X_SEARCH_POLL_MS).describe(
      "Wait between two searches for replies to an X announcement post (recent search: 300 calls per 15 minutes per user)",
    ),
    PRISM_X_VIEWERS_POLL_MS: positive("PRISM_X_VIEWERS_POLL_MS", 30_000).describe(
      "How often an X destination with an Enterprise broadcast id has its viewer count read (GET /2/broadcasts/:id)",
    ),
    PRISM_X_CONSUMER_SECRET: z
      .string()
      .optional()
      .describe("X app's consumer secret (API key secret): signs the CRC answers and checks the signatures of X's Enterprise chat webhook"),
    PRISM_X_LIVESTREAM_SOURCE_ID: z
      .string()
      .regex(/^[\w-]{1,128}$/, "letters, digits, _ and - only")
      .optional()
      .describe("Enterprise Livestream API: the stream source scheduled events are announced on (POST /2/broadcasts/scheduled); unset, X gets no announcement"),
  },
  /** consumerSecret: undefined turns X's webhook (Enterprise chat) off. */
  options: (env) => ({ chatPollMs: env.PRISM_X_CHAT_POLL_MS, viewersPollMs: env.PRISM_X_VIEWERS_POLL_MS, consumerSecret: env.PRISM_X_CONSUMER_SECRET || undefined, livestreamSourceId: env.PRISM_X_LIVESTREAM_SOURCE_ID || undefined }),
});

export type XOptions = ReturnType<typeof xConfig.options>;
