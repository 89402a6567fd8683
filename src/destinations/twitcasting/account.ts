import type { AccountSupport } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { twitcastingChat } from "./chat.js";
import type { TwitCastingOptions } from "./config.js";
import { twitcastingViewers } from "./viewers.js";

/** TwitCasting API v2 errors: {"error":{"code":1000,"message":"Invalid token"}}. */
const tcMessage = (body: { error?: { code?: number; message?: string } }) => body.error?.message;
const V2 = { "X-Api-Version": "2.0", Accept: "application/json" };

/**
 * TwitCasting API v2: authorization code without PKCE, the client secret in the form. It issues no
 * refresh token (an access token lasts about 180 days), so an expired account is linked again.
 * The RTMP URL and key come from GET /rtmp_url, never a hard-coded host.
 */
export const twitcastingAccounts: AccountSupport<TwitCastingOptions> = {
  oauth: {
    authorizePath: "/oauth2/authorize",
    tokenPath: "/oauth2/access_token",
    scopes: [],
    pkce: false,
    clientAuth: "body",
  },
  create({ settings }) {
    return {
      chat: twitcastingChat({ apiUrl: settings.apiUrl }),
      // API v2's changelog (2025-12-25) added reading a user's upcoming live schedules and webhook events for them: nothing to create one.
      schedule: {
        unsupported: "TwitCasting's API can only read live schedules (added 2025-12-25), not create them: add the event on twitcasting.tv yourself.",
      },
      viewers: twitcastingViewers({ apiUrl: settings.apiUrl, intervalMs: settings.options.viewersPollMs }),

      async identify(api) {
        const me = await readJson<{ user?: { id: string; screen_id: string; name: string } }>(
          await api.fetch(endpoint(settings.apiUrl, "/verify_credentials"), { headers: V2 }),
          "TwitCasting",
          "describe the account",
          tcMessage,
        );
        if (!me.user) throw new Error("TwitCasting answered /verify_credentials without a user");
        return { platformUserId: me.user.id, displayName: me.user.name || me.user.screen_id };
      },

      async ingest(api) {
        const rtmp = await readJson<{ enabled: boolean; url: string | null; stream_key: string | null }>(
          await api.fetch(endpoint(settings.apiUrl, "/rtmp_url"), { headers: V2 }),
          "TwitCasting",
          "hand out the RTMP URL",
          tcMessage,
        );
        if (!rtmp.enabled || !rtmp.url || !rtmp.stream_key) {
          throw new PlatformRefused(
            `RTMP broadcasting is turned off for the TwitCasting account ${api.account.displayName}: turn it on in TwitCasting's broadcast settings (RTMP/tool broadcasting), then enable this destination again.`,
          );
        }
        return { url: rtmp.url.replace(/\/+$/, ""), streamKey: rtmp.stream_key };
      },
    };
  },
};
