/**
 * Chat modes of a live stream (issue #14): set once, applied on every platform whose API allows it,
 * and by Prism on its merged feed and overlay where it cannot.
 */
export interface ChatModes {
  /** Seconds an author must wait between messages; null: off. */
  slowSec: number | null;
  /** Only followers (of at least `minFollowMinutes`) may chat; false: off. */
  followersOnly: { minFollowMinutes: number } | false;
  /** Only subscribers / channel members may chat. */
  subscribersOnly: boolean;
  /** Only messages made of emotes. */
  emoteOnly: boolean;
}

export const CHAT_MODE_KEYS = ["slowSec", "followersOnly", "subscribersOnly", "emoteOnly"] as const;
export type ChatModeKey = (typeof CHAT_MODE_KEYS)[number];

export const NO_CHAT_MODES: ChatModes = { slowSec: null, followersOnly: false, subscribersOnly: false, emoteOnly: false };

/** The modes switched on. */
export function activeModes(modes: ChatModes): ChatModeKey[] {
  return CHAT_MODE_KEYS.filter((k) => (k === "slowSec" ? modes.slowSec !== null : modes[k] !== false));
}

/** `modes` with every mode not in `keep` switched off. */
export function onlyModes(modes: ChatModes, keep: readonly ChatModeKey[]): ChatModes {
  return {
    slowSec: keep.includes("slowSec") ? modes.slowSec : null,
    followersOnly: keep.includes("followersOnly") ? modes.followersOnly : false,
    subscribersOnly: keep.includes("subscribersOnly") && modes.subscribersOnly,
    emoteOnly: keep.includes("emoteOnly") && modes.emoteOnly,
  };
}
