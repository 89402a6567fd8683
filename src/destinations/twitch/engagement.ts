import type { IncomingChatMessage } from "../chat-types.js";

/**
 * The EventSub subscriptions behind the feed's engagement events, on the chat's WebSocket session
 * (Twitch's "EventSub subscription types"): who they need a scope from, and the condition naming
 * the streamer's channel. Raids need no authorization at all.
 */
export const ENGAGEMENT_SUBSCRIPTIONS = [
  { type: "channel.cheer", scope: "bits:read", condition: (me: string) => ({ broadcaster_user_id: me }) },
  { type: "channel.subscribe", scope: "channel:read:subscriptions", condition: (me: string) => ({ broadcaster_user_id: me }) },
  { type: "channel.subscription.gift", scope: "channel:read:subscriptions", condition: (me: string) => ({ broadcaster_user_id: me }) },
  { type: "channel.subscription.message", scope: "channel:read:subscriptions", condition: (me: string) => ({ broadcaster_user_id: me }) },
  { type: "channel.raid", scope: null, condition: (me: string) => ({ to_broadcaster_user_id: me }) },
] as const;

/** The fields of the events Prism reads (Twitch's reference; twurple's EventSub*EventData). */
interface Viewer {
  user_id: string | null;
  user_login: string | null;
  user_name: string | null;
}
interface CheerEvent extends Viewer {
  is_anonymous: boolean;
  message: string;
  bits: number;
}
interface SubscribeEvent extends Viewer {
  tier: string;
  is_gift: boolean;
}
interface GiftEvent extends Viewer {
  is_anonymous: boolean;
  total: number;
  tier: string;
}
interface ResubEvent extends Viewer {
  tier: string;
  message: { text: string };
  cumulative_months: number;
}
interface RaidEvent {
  from_broadcaster_user_id: string;
  from_broadcaster_user_login: string;
  from_broadcaster_user_name: string;
  viewers: number;
}

const ANONYMOUS = { id: "anonymous", name: "Anonymous", badges: [] };
const viewer = (e: Viewer, anonymous = false) => (anonymous || !e.user_id ? ANONYMOUS : { id: e.user_id, name: e.user_name || e.user_login || e.user_id, badges: [] });
/** "1000" → "Tier 1" (Prime subscriptions come as tier 1000 too). */
const tier = (t: string) => `Tier ${Number(t) / 1000 || t}`;

/**
 * One engagement notification as a feed item. `id` is the notification's EventSub message id
 * (a redelivery repeats it, so the feed's dedup holds); a gifted subscription's recipient
 * (channel.subscribe with is_gift) is left out: the gift event already says it, once.
 */
export function toEngagement(type: string, event: unknown, id: string, sentAt: Date): IncomingChatMessage | undefined {
  const base = { platformMessageId: id, sentAt };
  switch (type) {
    case "channel.cheer": {
      const e = event as CheerEvent;
      return { ...base, author: viewer(e, e.is_anonymous), text: e.message, kind: "paid", amount: { value: e.bits, currency: "BITS" } };
    }
    case "channel.subscribe": {
      const e = event as SubscribeEvent;
      return e.is_gift ? undefined : { ...base, author: viewer(e), text: `subscribed at ${tier(e.tier)}`, kind: "membership" };
    }
    case "channel.subscription.message": {
      const e = event as ResubEvent;
      const months = `resubscribed at ${tier(e.tier)} (${e.cumulative_months} months)`;
      return { ...base, author: viewer(e), text: e.message?.text ? `${months}: ${e.message.text}` : months, kind: "membership" };
    }
    case "channel.subscription.gift": {
      const e = event as GiftEvent;
      return { ...base, author: viewer(e, e.is_anonymous), text: `gifted ${e.total} ${tier(e.tier)} sub${e.total === 1 ? "" : "s"}`, kind: "gift" };
    }
    case "channel.raid": {
      const e = event as RaidEvent;
      return {
        ...base,
        author: { id: e.from_broadcaster_user_id, name: e.from_broadcaster_user_name || e.from_broadcaster_user_login, badges: [] },
        text: `raided with ${e.viewers} viewer${e.viewers === 1 ? "" : "s"}`,
        kind: "raid",
      };
    }
    default:
      return undefined;
  }
}
