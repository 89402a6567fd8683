import type { AccountApi, AccountSupport } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { kickCall, type KickCall } from "./api.js";
import { kickChat } from "./chat.js";
import { kickViewers } from "./viewers.js";
import type { KickOptions } from "./config.js";

interface KickUser {
  user_id: number;
  name: string;
  email?: string;
  profile_picture?: string;
}

/** GET /channels for the token's own channel; `stream.url` and `stream.key` are filled only with streamkey:read. */
interface KickChannel {
  broadcaster_user_id: number;
  slug: string;
  stream_title?: string;
  stream?: { url?: string; key?: string; is_live?: boolean } | null;
}

/** Kick allows stream titles up to 100 characters (the channel page's limit). */
const TITLE_MAX = 100;

/**
 * Kick: OAuth 2.1 at id.kick.com, PKCE (S256) required, the client secret in the form; access
 * tokens last about 2 h and every refresh answers a new refresh token (the old one stops working;
 * the token keeper stores what the refresh returns). The public API hands out the channel's
 * ingest URL and key (streamkey:read), takes the title (channel:write) and the chat (chat:write,
 * moderation); chat is read through event subscriptions delivered to Prism's webhook (routes.ts).
 */
export const kickAccounts: AccountSupport<KickOptions> = {
  oauth: {
    authorizePath: "/oauth/authorize",
    tokenPath: "/oauth/token",
    // Kick documents POST /oauth/revoke?token=…; Prism's OAuth client sends it as RFC 7009 form fields.
    revokePath: "/oauth/revoke",
    revokeToken: "refresh_token",
    scopes: ["user:read", "channel:read", "channel:write", "streamkey:read", "chat:write", "events:subscribe", "moderation:ban", "moderation:chat_message:manage"],
    pkce: true,
    clientAuth: "body",
  },
  create({ settings, log }) {
    const call = <T>(api: AccountApi, what: string, path: string, options?: KickCall) => kickCall<T>(api, settings.apiUrl, what, path, options);
    return {
      chat: kickChat({ apiUrl: settings.apiUrl }),
      // docs.kick.com's public API covers channels, chat, livestream status and moderation; it has no schedule.
      schedule: { unsupported: "Kick's public API has no way to announce a planned stream." },
      viewers: kickViewers({ apiUrl: settings.apiUrl, intervalMs: settings.options.viewersPollMs }),

      async identify(api) {
        const users = await call<{ data: KickUser[] }>(api, "describe the account", "/users");
        const me = users.data?.[0];
        if (!me) throw new Error("Kick answered /users without a user");
        return { platformUserId: String(me.user_id), displayName: me.name };
      },

      async ingest(api, stream) {
        const channels = await call<{ data: KickChannel[] }>(api, "hand out the stream URL and key", "/channels");
        const url = channels.data?.[0]?.stream?.url;
        const key = channels.data?.[0]?.stream?.key;
        if (!url || !key) {
          throw new PlatformRefused(
            `Kick handed out no stream URL and key for ${api.account.displayName}: connect the account again so Prism gets the streamkey:read permission, and check the channel can stream on Kick.`,
          );
        }
        // Part of going live, but a refused title never keeps the stream off Kick.
        await call(api, "set the stream title", "/channels", { method: "PATCH", body: { stream_title: stream.title.slice(0, TITLE_MAX) } }).catch((err: Error) =>
          log.warn({ destination: stream.destinationId, reason: err.message }, "Kick did not take the stream title"),
        );
        return { url: url.replace(/\/+$/, ""), streamKey: key };
      },
    };
  },
};
