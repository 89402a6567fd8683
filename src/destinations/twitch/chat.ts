import type WebSocket from "ws";
import { lazyModule } from "../../core/lazy-module.js";
import { backoffDelay, type BackoffPolicy } from "../../core/backoff.js";
import { PlatformRefused, PlatformUnavailable, type AccountApi } from "../account-types.js";
import { CHAT_BACKOFF } from "../chat-loop.js";
import type { ChatSupport } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { RecentIds, toIncoming, type ChatMessageEvent } from "./chat-message.js";
import { ENGAGEMENT_SUBSCRIPTIONS, toEngagement } from "./engagement.js";

/** ws loads with the first Twitch chat Prism reads, not with every Prism. */
const webSocket = lazyModule<typeof WebSocket>(import.meta.url, "ws");

const helixMessage = (body: { message?: string; error?: string }) => body.message ?? body.error;

export interface TwitchChatOptions {
  apiUrl: string;
  /** id.twitch.tv, where /oauth2/validate lives. */
  authUrl: string;
  clientId: string;
  /** EventSub's WebSocket (wss://eventsub.wss.twitch.tv/ws). */
  eventsubUrl: string;
  /** How long Twitch may stay silent before the socket counts as dead (Twitch allows 10–600 s). */
  keepaliveSeconds?: number;
  backoff?: BackoffPolicy;
  /** Twitch requires apps to validate a token when they start using it and every hour after. */
  validateEveryMs?: number;
}

/** Twitch's answer when an identical subscription is still enabled (on a session it has not seen die). */
class SubscriptionExists extends Error {}
const CHAT_SETTINGS_SCOPE = "moderator:manage:chat_settings";
const SUPPORTER_BADGE_SETS = new Set(["subscriber", "founder", "broadcaster", "moderator", "vip", "staff"]);
const HOUR_MS = 3_600_000;

interface Frame {
  metadata: { message_id: string; message_type: string; message_timestamp: string; subscription_type?: string };
  payload: {
    session?: { id: string; keepalive_timeout_seconds: number | null; reconnect_url: string | null };
    subscription?: { type: string; status: string };
    /** channel.chat.message's, or an engagement event's (engagement.ts). */
    event?: ChatMessageEvent;
  };
}

/**
 * Twitch chat through EventSub over WebSocket (Twitch's recommended path; IRC would need the raw token,
 * which an AccountApi never hands out, while EventSub subscribes through a signed Helix call). On
 * `session_welcome` it subscribes to `channel.chat.message` for the account's own channel; a
 * `session_reconnect` moves to the new URL (subscriptions carry over; the old socket stays until the new
 * one is welcomed); a drop or a silent socket (no frame within the keepalive timeout) reconnects with
 * back-off and subscribes again. A socket that died without a close frame keeps its subscription
 * enabled at Twitch until Twitch notices, so that subscription answers 409: the stale one is deleted
 * (listed with GET /eventsub/subscriptions) and the subscription made again. 429 (all of the user's
 * three WebSocket transports taken) and 5xx are waited out with back-off; only refusals that retrying
 * cannot mend (a missing scope, a revoked grant) end in `failed`. The token is validated at the start
 * and every hour, as Twitch requires of apps. Messages sent while no socket is subscribed are lost:
 * Twitch keeps no chat history. Deliveries are at least once, so message ids are deduplicated.
 */
export function twitchChat(options: TwitchChatOptions): ChatSupport {
  const keepaliveSeconds = options.keepaliveSeconds ?? 30;
  const validateEveryMs = options.validateEveryMs ?? HOUR_MS;
  const clientId = { "Client-Id": options.clientId };
  const helix = (path: string, query: Record<string, string> = {}) => endpoint(options.apiUrl, `/helix${path}`, query);

  async function helixCall(api: AccountApi, what: string, method: string, path: string, query: Record<string, string>, body?: unknown): Promise<any> {
    const res = await api.fetch(helix(path, query), {
      method,
      headers: { ...clientId, ...(body !== undefined && { "Content-Type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (res.status === 204) return undefined;
    if (res.status === 409) {
      await res.body?.cancel();
      throw new SubscriptionExists(`Twitch still holds an identical subscription (${what})`);
    }
    return readJson(res, "Twitch", what, helixMessage);
  }

  /**
   * GET /oauth2/validate. Resolves when Twitch accepts the token (or cannot be asked right now);
   * rejects when the token is gone for good — through the account's API a 401 has already cost a
   * refresh, so what is left is a revoked grant (the token keeper marks the account needs_reconnect).
   */
  async function validate(api: AccountApi): Promise<void> {
    let res: Response;
    try {
      res = await api.fetch(endpoint(options.authUrl, "/oauth2/validate"), { scheme: "OAuth" });
    } catch (err) {
      if (err instanceof PlatformUnavailable) return;
      throw err;
    }
    await res.body?.cancel();
    if (res.status === 401) throw new PlatformRefused("Twitch no longer accepts Prism's access to this account (the token was revoked or the app disconnected): connect the account again under Accounts");
  }

  /**
   * A scope added after accounts were linked (chat modes) is missing from their grant. Asked first
   * through /oauth2/validate, which lists the grant's scopes: a Helix 401 for a missing scope would
   * otherwise read as a revoked grant and mark the whole account for reconnection.
   */
  async function requireScope(api: AccountApi, scope: string, what: string): Promise<void> {
    const res = await api.fetch(endpoint(options.authUrl, "/oauth2/validate"), { scheme: "OAuth" });
    const info = await readJson<{ scopes?: string[] }>(res, "Twitch", "check the account's permissions", helixMessage);
    if (!info.scopes?.includes(scope)) {
      throw new PlatformRefused(`This Twitch account was linked before Prism could ${what} (it lacks the ${scope} permission): connect it again under Accounts to grant it.`);
    }
  }

  /**
   * Deletes this user's chat subscriptions that are not on `sessionId`: left over from a socket that
   * died without a close frame, which Twitch has not noticed yet and still counts as live.
   */
  async function deleteStale(api: AccountApi, me: string, sessionId: string, type: string): Promise<void> {
    const listed = (await helixCall(api, "list the chat subscriptions", "GET", "/eventsub/subscriptions", { type })) as {
      data: Array<{ id: string; status: string; condition: Record<string, string>; transport: { session_id?: string } }>;
    };
    for (const sub of listed.data) {
      if (!Object.values(sub.condition).includes(me) || sub.transport.session_id === sessionId) continue;
      await helixCall(api, "delete a stale chat subscription", "DELETE", "/eventsub/subscriptions", { id: sub.id });
    }
  }

  return {
    read(api, _stream, sink, signal) {
      const me = api.account.platformUserId;
      const firstUrl = withKeepalive(options.eventsubUrl, keepaliveSeconds);
      const seen = new RecentIds();
      return new Promise<void>((resolve) => {
        let current: WebSocket | undefined;
        let failures = 0;
        let retry: NodeJS.Timeout | undefined;
        let revalidate: NodeJS.Timeout | undefined;
        let stopped = false;
        const sockets = new Set<WebSocket>();
        const stop = () => {
          stopped = true;
          clearTimeout(retry);
          clearInterval(revalidate);
          for (const ws of sockets) ws.terminate();
          resolve();
        };
        /** Refusals that retrying cannot mend: a missing scope, a revoked grant. */
        const fail = (err: Error) => {
          if (stopped) return;
          sink.state("failed", err.message);
          stop();
        };
        const checkToken = () => validate(api).catch(fail);
        if (signal.aborted) return stop();
        signal.addEventListener("abort", stop, { once: true });
        sink.state("connecting");
        void checkToken().then(() => {
          if (stopped) return;
          revalidate = setInterval(checkToken, validateEveryMs);
          open(firstUrl, true);
        });

        function open(url: string, subscribe: boolean) {
          const ws = new (webSocket())(url);
          sockets.add(ws);
          if (subscribe) current = ws;
          let lastTrouble: string | undefined;
          let watchdog: NodeJS.Timeout | undefined;
          let timeoutSeconds = keepaliveSeconds;
          // A keepalive comes at the latest every timeout; a little slack covers the network.
          const arm = () => {
            clearTimeout(watchdog);
            watchdog = setTimeout(() => ws.terminate(), timeoutSeconds * 1000 + 2_000);
          };
          arm();
          ws.on("message", (data) => {
            arm();
            let frame: Frame;
            try {
              frame = JSON.parse(String(data)) as Frame;
            } catch {
              return;
            }
            switch (frame.metadata?.message_type) {
              case "session_welcome": {
                timeoutSeconds = frame.payload.session?.keepalive_timeout_seconds ?? timeoutSeconds;
                arm();
                const previous = current;
                current = ws;
                // A reconnect handover: the new socket carries the subscriptions, the old one can go.
                if (previous && previous !== ws) previous.close();
                if (!subscribe) return live();
                subscribeOn(frame.payload.session!.id).then(live, (err: Error) => {
                  if (stopped) return;
                  if (err instanceof PlatformRefused || err.name === "AccountNeedsReconnect") return fail(err);
                  // Passing trouble (429: all of the user's transports taken, 5xx): a new session after the back-off.
                  sink.log.warn({ reason: err.message }, "Twitch chat subscription failed");
                  lastTrouble = err.message;
                  ws.close();
                });
                return;
              }
              case "notification": {
                const event = frame.payload.event;
                const type = frame.payload.subscription?.type;
                if (!event) return;
                if (type === "channel.chat.message") {
                  if (seen.fresh(event.message_id)) sink.messages([toIncoming(event, new Date(frame.metadata.message_timestamp))]);
                  return;
                }
                // Engagement events carry no message id of their own: the notification's is unique, and repeated on redelivery.
                const engagement = type && seen.fresh(frame.metadata.message_id) ? toEngagement(type, event, frame.metadata.message_id, new Date(frame.metadata.message_timestamp)) : undefined;
                if (engagement) sink.messages([engagement]);
                return;
              }
              case "session_reconnect": {
                const next = frame.payload.session?.reconnect_url;
                if (next) open(next, false);
                return;
              }
              case "revocation":
                sink.state("failed", `Twitch ended Prism's chat subscription (${frame.payload.subscription?.status ?? "revoked"}); link the account again`);
                return stop();
              case "session_keepalive":
                // Twitch sends one only when no event went out since the last frame: nothing older is on its way.
                sink.caughtUp(new Date(Math.min(Date.parse(frame.metadata.message_timestamp) || 0, Date.now())));
                return; // the watchdog is re-armed above
              default:
                return;
            }
          });
          ws.on("error", (err) => sink.log.debug?.({ reason: err.message }, "Twitch EventSub socket error"));
          ws.on("close", () => {
            clearTimeout(watchdog);
            sockets.delete(ws);
            // Only losing the socket that carries the subscription matters; a handover target that
            // failed leaves the old socket, whose end (Twitch closes it soon) brings a full reconnect.
            if (stopped || ws !== current) return;
            current = undefined;
            const delay = backoffDelay(options.backoff ?? CHAT_BACKOFF, failures++);
            sink.state("reconnecting", lastTrouble ?? "the Twitch EventSub connection dropped");
            retry = setTimeout(() => open(firstUrl, true), delay);
          });
        }

        function live() {
          if (stopped) return;
          failures = 0;
          sink.state("live");
        }

        async function subscribeOn(sessionId: string) {
          await subscribeTo(sessionId, "channel.chat.message", { broadcaster_user_id: me, user_id: me });
          // Cheers, subscriptions, gifts and raids: an account linked before Prism asked for their
          // scopes lacks them, which costs those events only, never the chat.
          for (const { type, scope, condition } of ENGAGEMENT_SUBSCRIPTIONS) {
            try {
              await subscribeTo(sessionId, type, condition(me));
            } catch (err) {
              if (!(err instanceof PlatformRefused)) throw err;
              sink.log.warn({ type, scope, reason: err.message }, "Twitch refused an engagement subscription; connect the account again to grant its scope");
            }
          }
        }

        async function subscribeTo(sessionId: string, type: string, condition: Record<string, string>) {
          const subscribe = () =>
            helixCall(api, `subscribe to ${type}`, "POST", "/eventsub/subscriptions", {}, { type, version: "1", condition, transport: { method: "websocket", session_id: sessionId } });
          try {
            await subscribe();
          } catch (err) {
            // The socket died after its welcome: a new session will do (Twitch's 400 names the session).
            if (err instanceof PlatformRefused && /session does not exist|already disconnected/.test(err.message)) throw new PlatformUnavailable(err.message);
            if (!(err instanceof SubscriptionExists)) throw err;
            // The socket before this one died without Twitch noticing: its subscription still counts.
            await deleteStale(api, me, sessionId, type);
            await subscribe().catch((again: Error) => {
              throw again instanceof SubscriptionExists ? new PlatformUnavailable(`${again.message}; Prism will try again`) : again;
            });
          }
        }
      });
    },

    /** Scope user:write:chat. Twitch answers 200 with is_sent=false when AutoMod or a setting drops it. */
    async send(api, _stream, text) {
      const me = api.account.platformUserId;
      const answer = (await helixCall(api, "post to the chat", "POST", "/chat/messages", {}, { broadcaster_id: me, sender_id: me, message: text.slice(0, 500) })) as {
        data?: Array<{ is_sent: boolean; drop_reason?: { message?: string } | null }>;
      };
      const sent = answer?.data?.[0];
      if (sent && !sent.is_sent) throw new PlatformRefused(`Twitch did not post the message: ${sent.drop_reason?.message ?? "dropped"}.`);
    },

    /** Scope moderator:manage:chat_messages. */
    async deleteMessage(api, _stream, platformMessageId) {
      const me = api.account.platformUserId;
      await helixCall(api, "delete the chat message", "DELETE", "/moderation/chat", { broadcaster_id: me, moderator_id: me, message_id: platformMessageId });
    },

    modes: {
      // Twitch's ranges: slow mode 3–120 s, follower age 0–129600 minutes (90 days).
      supports: (mode, modes) =>
        mode === "slowSec" ? modes.slowSec === null || (modes.slowSec >= 3 && modes.slowSec <= 120)
        : mode === "followersOnly" ? modes.followersOnly === false || modes.followersOnly.minFollowMinutes <= 129_600
        : true,
      /** PATCH /helix/chat/settings, scope moderator:manage:chat_settings; every mode is named, so switched-off ones go off too. */
      async set(api, _stream, modes) {
        await requireScope(api, CHAT_SETTINGS_SCOPE, "set chat modes");
        const me = api.account.platformUserId;
        await helixCall(api, "set the chat modes", "PATCH", "/chat/settings", { broadcaster_id: me, moderator_id: me }, {
          slow_mode: modes.slowSec !== null,
          ...(modes.slowSec !== null && { slow_mode_wait_time: modes.slowSec }),
          follower_mode: modes.followersOnly !== false,
          ...(modes.followersOnly !== false && { follower_mode_duration: modes.followersOnly.minFollowMinutes }),
          subscriber_mode: modes.subscribersOnly,
          emote_mode: modes.emoteOnly,
        });
      },
    },

    // Twitch badges are "set_id/version"; staff are never held back by subscribers-only.
    isSupporter: (badges) => badges.some((b) => SUPPORTER_BADGE_SETS.has(b.split("/")[0]!)),

    /** Scope moderator:manage:banned_users. */
    async banAuthor(api, _stream, authorId) {
      const me = api.account.platformUserId;
      await helixCall(api, "ban the chat author", "POST", "/moderation/bans", { broadcaster_id: me, moderator_id: me }, { data: { user_id: authorId, reason: "Banned from Prism's comment feed" } });
    },
  };
}

function withKeepalive(url: string, seconds: number): string {
  const u = new URL(url);
  u.searchParams.set("keepalive_timeout_seconds", String(seconds));
  return u.toString();
}
