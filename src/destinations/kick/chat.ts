import type { BackoffPolicy } from "../../core/backoff.js";
import type { AccountApi } from "../account-types.js";
import { PlatformRefused } from "../account-types.js";
import { CHAT_BACKOFF, runChatLoop } from "../chat-loop.js";
import type { ChatSupport } from "../chat-types.js";
import { kickCall, kickUserId, type KickCall } from "./api.js";
import { KICK_CHAT_MAX, KICK_SUBSCRIPTION_CHECK_MS } from "./limits.js";

/** The event Kick sends for every chat message (Kick-Event-Type), version 1. */
export const CHAT_EVENT = "chat.message.sent";

interface Subscription {
  id: string;
  broadcaster_user_id: number;
  event: string;
  version: number;
  method: string;
}
interface SubscribeResult {
  name: string;
  version: number;
  subscription_id?: string | null;
  error?: string | null;
}

export interface KickChatOptions {
  apiUrl: string;
  /** How often the subscription is checked while live (default KICK_SUBSCRIPTION_CHECK_MS). */
  checkMs?: number;
  backoff?: BackoffPolicy;
}

/**
 * Kick's chat comes by webhook: while a stream is live, the reader keeps a `chat.message.sent`
 * subscription for the broadcaster (Kick drops one whose webhook keeps failing, so it is checked
 * every minute and made again), and removes the one it made when the stream ends. The messages
 * themselves arrive at routes.ts, which hands them to the feed. The webhook's address is the one set
 * in the Kick app's settings: Kick has no per-subscription URL.
 */
export function kickChat(options: KickChatOptions): ChatSupport {
  const checkMs = options.checkMs ?? KICK_SUBSCRIPTION_CHECK_MS;
  const call = <T>(api: AccountApi, what: string, path: string, init?: KickCall) => kickCall<T>(api, options.apiUrl, what, path, init);

  async function chatSubscription(api: AccountApi): Promise<Subscription | undefined> {
    const listed = await call<{ data: Subscription[] }>(api, "list the event subscriptions", "/events/subscriptions", {
      query: { broadcaster_user_id: api.account.platformUserId },
      slowDown: true,
    });
    return listed.data?.find((s) => s.event === CHAT_EVENT && String(s.broadcaster_user_id) === api.account.platformUserId);
  }

  async function subscribe(api: AccountApi): Promise<string> {
    const made = await call<{ data: SubscribeResult[] }>(api, "subscribe to the chat", "/events/subscriptions", {
      method: "POST",
      body: { broadcaster_user_id: kickUserId(api.account.platformUserId), events: [{ name: CHAT_EVENT, version: 1 }], method: "webhook" },
      slowDown: true,
    });
    const result = made.data?.find((r) => r.name === CHAT_EVENT);
    if (!result?.subscription_id) throw new PlatformRefused(`Kick refused to subscribe to the chat: ${result?.error ?? "no subscription id in its answer"}.`);
    return result.subscription_id;
  }

  return {
    async read(api, _stream, sink, signal) {
      /** The subscription this reader made (and removes); one found already there is left alone. */
      let own: string | undefined;
      try {
        await runChatLoop(sink, signal, options.backoff ?? CHAT_BACKOFF, async () => {
          const existing = await chatSubscription(api);
          if (!existing) {
            own = await subscribe(api);
            sink.log.info({ subscription: own }, "subscribed to Kick's chat events");
          }
          return { waitMs: checkMs, complete: "nothing-to-read" as const };
        });
      } finally {
        if (own) {
          await call(api, "remove the chat subscription", "/events/subscriptions", { method: "DELETE", query: { id: own } }).catch((err: Error) =>
            sink.log.warn({ subscription: own, reason: err.message }, "Kick's chat subscription was not removed"),
          );
        }
      }
    },

    async send(api, _stream, text) {
      if ([...text].length > KICK_CHAT_MAX) throw new PlatformRefused(`Kick: a chat message is at most ${KICK_CHAT_MAX} characters; this one has ${[...text].length}.`);
      await call(api, "send the chat message", "/chat", { method: "POST", body: { broadcaster_user_id: kickUserId(api.account.platformUserId), content: text, type: "user" } });
    },

    async deleteMessage(api, _stream, platformMessageId) {
      await call(api, "delete the chat message", `/chat/${encodeURIComponent(platformMessageId)}`, { method: "DELETE" });
    },

    async banAuthor(api, _stream, authorId) {
      await call(api, "ban the viewer", "/moderation/bans", {
        method: "POST",
        body: { broadcaster_user_id: kickUserId(api.account.platformUserId), user_id: kickUserId(authorId), reason: "Banned from Prism's comment feed" },
      });
    },
  };
}
