import type { IncomingChatMessage } from "../chat-types.js";

/** The fields of an EventSub `channel.chat.message` event Prism reads (Twitch's reference, "Channel Chat Message Event"). */
export interface ChatMessageEvent {
  broadcaster_user_id: string;
  /** Set in a shared chat session: the channel the message was said in (null outside a session). */
  source_broadcaster_user_id?: string | null;
  source_broadcaster_user_login?: string | null;
  source_broadcaster_user_name?: string | null;
  chatter_user_id: string;
  chatter_user_login: string;
  chatter_user_name: string;
  message_id: string;
  message: { text: string; fragments: Array<{ type: string; text: string; emote?: { id: string } | null }> };
  color: string;
  badges: Array<{ set_id: string; id: string; info: string }>;
}

const emoteUrl = (id: string) => `https://static-cdn.jtvnw.net/emoticons/v2/${id}/default/dark/1.0`;

/**
 * One chat message as the feed wants it. In a shared chat session Twitch also delivers what is said
 * in the partner channels; the streamer sees those in their Twitch chat too, so they are kept, but
 * marked the way Twitch marks them (the partner channel next to the name): the author's name says
 * whose chat it came from, and a `shared-chat/<login>` badge lets an overlay filter or style them. Badges keep Twitch's `set/version` form (`subscriber/12`),
 * and emote positions are counted in code points with an inclusive end, the way Twitch's IRC `emotes`
 * tag does, so an overlay can cut the text the same way for either source.
 */
export function toIncoming(event: ChatMessageEvent, sentAt: Date): IncomingChatMessage {
  const emotes: NonNullable<IncomingChatMessage["emotes"]> = [];
  let at = 0;
  for (const fragment of event.message.fragments) {
    const length = [...fragment.text].length;
    if (fragment.type === "emote" && fragment.emote) emotes.push({ id: fragment.emote.id, name: fragment.text, start: at, end: at + length - 1, url: emoteUrl(fragment.emote.id) });
    at += length;
  }
  const name = event.chatter_user_name || event.chatter_user_login;
  const shared = event.source_broadcaster_user_id && event.source_broadcaster_user_id !== event.broadcaster_user_id;
  const badges = event.badges.map((b) => `${b.set_id}/${b.id}`);
  const source = event.source_broadcaster_user_name || event.source_broadcaster_user_login || event.source_broadcaster_user_id;
  return {
    platformMessageId: event.message_id,
    author: {
      id: event.chatter_user_id,
      name: shared ? `${name} (in ${source}'s chat)` : name,
      ...(event.color && { color: event.color }),
      badges: shared ? [...badges, `shared-chat/${event.source_broadcaster_user_login ?? event.source_broadcaster_user_id}`] : badges,
    },
    text: event.message.text,
    ...(emotes.length && { emotes }),
    sentAt,
  };
}

/** Ids seen lately: EventSub delivers at least once, and a reconnect handover can repeat a message. */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 2_000) {}
  /** True the first time an id is offered. */
  fresh(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
