import WebSocket from "ws";
import { backoffDelay, type BackoffPolicy } from "../../core/backoff.js";
import { PlatformRefused, type AccountApi } from "../account-types.js";
import { CHAT_BACKOFF } from "../chat-loop.js";
import type { ChatSupport } from "../chat-types.js";
import { endpoint, readJson } from "../platform-http.js";
import { RecentIds, toIncoming, type ChatMessageEvent } from "./chat-message.js";

const helixMessage = (body: { message?: string; error?: string }) => body.message ?? body.error;

export interface TwitchChatOptions {
  apiUrl: string;
  clientId: string;
  /** EventSub's WebSocket (wss://eventsub.wss.twitch.tv/ws). */
  eventsubUrl: string;
  /** How long Twitch may stay silent before the socket counts as dead (Twitch allows 10–600 s). */
  keepaliveSeconds?: number;
  backoff?: BackoffPolicy;
}

interface Frame {
  metadata: { message_id: string; message_type: string; message_timestamp: string; subscription_type?: string };
  payload: {
    session?: { id: string; keepalive_timeout_seconds: number | null; reconnect_url: string | null };
    subscription?: { type: string; status: string };
    event?: ChatMessageEvent;
  };
}

/**
 * Twitch chat through EventSub over WebSocket (Twitch's recommended path; IRC would need the raw token,
 * which an AccountApi never hands out, while EventSub subscribes through a signed Helix call). On
 * `session_welcome` it subscribes to `channel.chat.message` for the account's own channel; a
 * `session_reconnect` moves to the new URL (subscriptions carry over; the old socket stays until the new
 * one is welcomed); a drop or a silent socket (no frame within the keepalive timeout) reconnects with
 * back-off and subscribes again. Messages sent while no socket is subscribed are lost: Twitch keeps no
 * chat history. Deliveries are at least once, so message ids are deduplicated.
 */
export function twitchChat(options: TwitchChatOptions): ChatSupport {
  const keepaliveSeconds = options.keepaliveSeconds ?? 30;
  const clientId = { "Client-Id": options.clientId };
  const helix = (path: string, query: Record<string, string> = {}) => endpoint(options.apiUrl, `/helix${path}`, query);

  async function helixCall(api: AccountApi, what: string, method: string, path: string, query: Record<string, string>, body?: unknown): Promise<any> {
    const res = await api.fetch(helix(path, query), {
      method,
      headers: { ...clientId, ...(body !== undefined && { "Content-Type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (res.status === 204) return undefined;
    return readJson(res, "Twitch", what, helixMessage);
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
        let stopped = false;
        const sockets = new Set<WebSocket>();
        const stop = () => {
          stopped = true;
          clearTimeout(retry);
          for (const ws of sockets) ws.terminate();
          resolve();
        };
        if (signal.aborted) return stop();
        signal.addEventListener("abort", stop, { once: true });
        sink.state("connecting");
        open(firstUrl, true);

        function open(url: string, subscribe: boolean) {
          const ws = new WebSocket(url);
          sockets.add(ws);
          if (subscribe) current = ws;
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
                  if (err instanceof PlatformRefused || err.name === "AccountNeedsReconnect") {
                    sink.state("failed", err.message);
                    return stop();
                  }
                  sink.log.warn({ reason: err.message }, "Twitch chat subscription failed");
                  ws.terminate();
                });
                return;
              }
              case "notification": {
                const event = frame.payload.event;
                if (frame.payload.subscription?.type !== "channel.chat.message" || !event) return;
                if (!seen.fresh(event.message_id)) return;
                sink.messages([toIncoming(event, new Date(frame.metadata.message_timestamp))]);
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
            sink.state("reconnecting", "the Twitch EventSub connection dropped");
            retry = setTimeout(() => open(firstUrl, true), delay);
          });
        }

        function live() {
          if (stopped) return;
          failures = 0;
          sink.state("live");
        }

        async function subscribeOn(sessionId: string) {
          await helixCall(api, "subscribe to the chat", "POST", "/eventsub/subscriptions", {}, {
            type: "channel.chat.message",
            version: "1",
            condition: { broadcaster_user_id: me, user_id: me },
            transport: { method: "websocket", session_id: sessionId },
          });
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
