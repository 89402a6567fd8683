import { z } from "zod";
import { platformConfig } from "../platform-config.js";
import { positive } from "../../core/setting-schemas.js";

/** The Graph API version every call names (its base URLs carry it, so an override names it too). */
export const GRAPH_VERSION = "v24.0";

/**
 * Facebook's settings: PRISM_FACEBOOK_CLIENT_ID (the Meta app id), … (derived), which Page goes
 * live, and how often the live video's comments are read.
 */
export const facebookConfig = platformConfig({
  urls: { auth: `https://www.facebook.com/${GRAPH_VERSION}`, token: `https://graph.facebook.com/${GRAPH_VERSION}`, api: `https://graph.facebook.com/${GRAPH_VERSION}` },
  env: {
    PRISM_FACEBOOK_PAGE_ID: z
      .string()
      .regex(/^\d{1,30}$/, { error: "PRISM_FACEBOOK_PAGE_ID must be a Page's numeric id (its About section shows it)" })
      .optional()
      .describe("The Page Prism goes live on, among those the linked Facebook account manages (default: the first one Facebook lists)"),
    PRISM_FACEBOOK_CHAT_POLL_MS: positive("PRISM_FACEBOOK_CHAT_POLL_MS", 3_000).describe("How often the comments of a Facebook live video are read"),
    PRISM_FACEBOOK_VIEWERS_POLL_MS: positive("PRISM_FACEBOOK_VIEWERS_POLL_MS", 30_000).describe("How often a live Facebook video's viewer count (live_views) is read"),
  },
  options: (env) => ({ pageId: env.PRISM_FACEBOOK_PAGE_ID, chatPollMs: env.PRISM_FACEBOOK_CHAT_POLL_MS, viewersPollMs: env.PRISM_FACEBOOK_VIEWERS_POLL_MS }),
});

export type FacebookOptions = ReturnType<typeof facebookConfig.options>;
