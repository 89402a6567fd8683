import type { AccountSupport } from "../account-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { xChat } from "./chat.js";
import { xViewers } from "./viewers.js";
import type { XOptions } from "./config.js";
import { xSchedule } from "./schedule.js";

/** X API v2 errors: {"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}. */
const xMessage = (body: { detail?: string; title?: string }) => body.detail ?? body.title;

/**
 * X: OAuth 2.0 with PKCE (S256, required), a confidential client authenticating with HTTP Basic,
 * `offline.access` for a refresh token (access tokens last 2 h; each refresh rotates the refresh
 * token). No public API hands out Media Studio stream keys, so an X destination keeps the URL and
 * key the streamer types in; the linked account names the streamer and reads the replies to the
 * stream's announcement post (chat.ts).
 */
export const xAccounts: AccountSupport<XOptions> = {
  oauth: {
    authorizePath: "/i/oauth2/authorize",
    tokenPath: "/2/oauth2/token",
    revokePath: "/2/oauth2/revoke",
    revokeToken: "refresh_token",
    // tweet.write: the streamer's answers in the comment feed go out as replies to the announcement.
    scopes: ["tweet.read", "users.read", "tweet.write", "offline.access"],
    // Enterprise chat (a consumer secret is set for X's webhook): read the broadcast's chat and write to it.
    // Asked only then: an app without Enterprise access would have the whole sign-in refused for them.
    extraScopes: (options) => (options.consumerSecret ? ["broadcast.read", "broadcast.write"] : []),
    pkce: true,
    clientAuth: "header",
  },
  create({ settings }) {
    return {
      chat: xChat({ apiUrl: settings.apiUrl, pollMs: settings.options.chatPollMs }),
      // The Enterprise scopes (broadcast.read/write) come with the consumer secret: scheduling needs both.
      schedule: xSchedule({ apiUrl: settings.apiUrl, sourceId: settings.options.livestreamSourceId, enterprise: Boolean(settings.options.consumerSecret) }),
      viewers: xViewers({ apiUrl: settings.apiUrl, intervalMs: settings.options.viewersPollMs }),

      async identify(api) {
        const me = await readJson<{ data?: { id: string; name: string; username: string } }>(
          await api.fetch(endpoint(settings.apiUrl, "/2/users/me")),
          "X",
          "describe the account",
          xMessage,
        );
        if (!me.data) throw new Error("X answered /2/users/me without a user");
        return { platformUserId: me.data.id, displayName: `@${me.data.username}` };
      },
    };
  },
};
