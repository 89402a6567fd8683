import type { AccountSupport, LinkedPlatform } from "../account-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { twitchChat } from "./chat.js";
import { twitchViewers } from "./viewers.js";
import type { TwitchOptions } from "./config.js";
import { twitchSchedule } from "./schedule.js";

/** Helix errors: {"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}. */
const helixMessage = (body: { message?: string; error?: string }) => body.message ?? body.error;

/**
 * Twitch: OAuth 2.0 authorization code (id.twitch.tv; no PKCE, the client secret goes in the form),
 * Helix for identity, the stream key and the channel title. Helix wants the app's Client-Id next to
 * every user token.
 */
export const twitchAccounts: AccountSupport<TwitchOptions> = {
  oauth: {
    authorizePath: "/oauth2/authorize",
    tokenPath: "/oauth2/token",
    revokePath: "/oauth2/revoke",
    revokeToken: "access_token",
    // stream key, channel title; scheduled events; reading, writing and moderating chat for the comments
    // feed; cheers (bits:read) and subscriptions, resubscriptions and gifts (channel:read:subscriptions) in it.
    // Raids need no scope.
    scopes: [
      "channel:read:stream_key",
      "channel:manage:broadcast",
      "channel:manage:schedule",
      "user:read:chat",
      "user:write:chat",
      "moderator:manage:chat_messages",
      "moderator:manage:banned_users",
      "moderator:manage:chat_settings",
      "bits:read",
      "channel:read:subscriptions",
    ],
    pkce: false,
    clientAuth: "body",
  },
  create({ settings, log }): LinkedPlatform {
    const helix = (path: string, query: Record<string, string>) => endpoint(settings.apiUrl, `/helix${path}`, query);
    const clientId = { "Client-Id": settings.clientId ?? "" };
    return {
      schedule: twitchSchedule({ apiUrl: settings.apiUrl, clientId: settings.clientId ?? "" }),
      chat: twitchChat({ apiUrl: settings.apiUrl, authUrl: settings.authUrl, clientId: settings.clientId ?? "", eventsubUrl: settings.options.eventsubUrl }),
      viewers: twitchViewers({ apiUrl: settings.apiUrl, clientId: settings.clientId ?? "", intervalMs: settings.options.viewersPollMs }),

      async identify(api) {
        // /oauth2/validate names the token's user; Twitch asks apps to validate tokens they are given.
        const valid = await readJson<{ user_id?: string; login?: string }>(
          await api.fetch(endpoint(settings.authUrl, "/oauth2/validate"), { scheme: "OAuth" }),
          "Twitch",
          "validate the new token",
          helixMessage,
        );
        if (!valid.user_id) throw new Error("Twitch validated the token without naming its user");
        const users = await readJson<{ data: Array<{ id: string; login: string; display_name: string }> }>(
          await api.fetch(helix("/users", { id: valid.user_id }), { headers: clientId }),
          "Twitch",
          "describe the account",
          helixMessage,
        );
        const user = users.data[0];
        return { platformUserId: valid.user_id, displayName: user?.display_name || valid.login || valid.user_id };
      },

      async ingest(api, stream) {
        const keyAnswer = await readJson<{ data: Array<{ stream_key: string }> }>(
          await api.fetch(helix("/streams/key", { broadcaster_id: api.account.platformUserId }), { headers: clientId }),
          "Twitch",
          "hand out the stream key",
          helixMessage,
        );
        const streamKey = keyAnswer.data[0]?.stream_key;
        if (!streamKey) throw new Error("Twitch answered without a stream key");
        // The title is part of going live, but a refused title must never keep the stream off Twitch.
        await setTitle(stream.title).catch((err: Error) => log.warn({ destination: stream.destinationId, reason: err.message }, "Twitch did not take the channel title"));
        return { url: settings.options.ingestUrl, streamKey };

        async function setTitle(title: string) {
          const res = await api.fetch(helix("/channels", { broadcaster_id: api.account.platformUserId }), {
            method: "PATCH",
            headers: { ...clientId, "Content-Type": "application/json" },
            body: JSON.stringify({ title: title.slice(0, 140) }),
          });
          if (res.status !== 204) await readJson(res, "Twitch", "set the channel title", helixMessage);
        }
      },
    };
  },
};
