import { activeModes, onlyModes, type ChatModeKey, type ChatModes } from "../core/chat-modes.js";
import type { NewComment } from "../core/chat-comment.js";
import type { ChatSource } from "./types.js";

/** Who holds a mode on one platform: the platform itself, Prism on its feed and overlay, or nobody. */
export type ModeOutcome = "platform" | "prism" | "unavailable";

export interface ModesResult {
  platform: string;
  destinationId: string;
  /** The weakest of `modes`: "platform" when the platform holds every mode asked for. */
  applied: ModeOutcome;
  modes: Partial<Record<ChatModeKey, ModeOutcome>>;
  message: string;
}

/** What Prism holds one platform's messages to, for the modes that platform does not hold itself. */
interface PrismRule {
  slowMs: number | null;
  emoteOnly: boolean;
  supportersOnly: ((badges: readonly string[]) => boolean) | null;
}

const LABEL: Record<ChatModeKey, string> = { slowSec: "slow mode", followersOnly: "followers-only", subscribersOnly: "subscribers-only", emoteOnly: "emote-only" };
const RANK: Record<ModeOutcome, number> = { platform: 0, prism: 1, unavailable: 2 };
/** Authors remembered per stream for slow mode before the stale ones are dropped. */
const MAX_AUTHORS = 20_000;

/** Emoji, their modifiers and joiners, and spaces: what an emote-only message may hold besides platform emotes. */
const EMOJI_ONLY = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\s]*$/u;

/** True when the text is nothing but the message's emotes (code-point ranges, inclusive) and emoji. */
export function isEmoteOnly(text: string, emotes: NewComment["emotes"]): boolean {
  const points = [...text];
  for (const e of emotes ?? []) for (let i = e.start; i <= e.end && i < points.length; i++) points[i] = " ";
  const rest = points.join("");
  if (!EMOJI_ONLY.test(rest)) return false;
  // An empty message is not an emote.
  return rest.trim() !== "" || (emotes?.length ?? 0) > 0;
}

/**
 * Chat modes of live streams: sets them on each platform that can, and holds the merged feed (and
 * so the overlay, which shows only the feed's visible messages) to the rest where Prism can tell
 * from a message: slow mode per author, emote-only, subscribers-only where the platform badges
 * its supporters. Followers-only cannot be told from a message: where the platform does not hold
 * it, it is unavailable.
 */
export class ChatModeKeeper {
  private readonly rules = new Map<string, Map<string, PrismRule>>();
  private readonly lastShown = new Map<string, Map<string, number>>();
  private readonly results = new Map<string, ModesResult[]>();

  /** Applies `modes` on each source's platform (in parallel), then takes over what they could not. */
  async apply(streamId: string, modes: ChatModes, sources: readonly ChatSource[]): Promise<ModesResult[]> {
    // Until the platforms answer, Prism holds every platform to all it can: nothing slips through meanwhile.
    this.rules.set(streamId, new Map(sources.map((s) => [s.platform, ruleFor(modes, activeModes(modes), s.chat.isSupporter?.bind(s.chat))])));
    const outcomes = await Promise.all(sources.map((s) => this.applyOn(s, modes)));
    const rules = new Map<string, PrismRule>();
    for (const { rule, result } of outcomes) if (rule) rules.set(result.platform, rule);
    this.rules.set(streamId, rules);
    const results = outcomes.map((o) => o.result);
    this.results.set(streamId, results);
    return results;
  }

  /** What the last apply said per platform (empty before the stream went live with modes set). */
  lastResults(streamId: string): ModesResult[] {
    return this.results.get(streamId) ?? [];
  }

  /** Why a message breaks a chat mode Prism holds for its platform, or null. Call in sentAt order. */
  flag(c: NewComment): string | null {
    const rule = this.rules.get(c.streamId)?.get(c.platform);
    // Chat modes restrain chatting; a Super Chat, a cheer or a raid is never held back by them.
    if (!rule || c.kind !== "message") return null;
    if (rule.supportersOnly && !rule.supportersOnly(c.author.badges)) return "subscribers-only mode";
    if (rule.emoteOnly && !isEmoteOnly(c.text, c.emotes)) return "emote-only mode";
    if (rule.slowMs !== null) {
      let seen = this.lastShown.get(c.streamId);
      if (!seen) this.lastShown.set(c.streamId, (seen = new Map()));
      const key = `${c.platform}\n${c.author.id}`;
      const at = c.sentAt.getTime();
      const last = seen.get(key);
      if (last !== undefined && at - last < rule.slowMs) return `slow mode (${rule.slowMs / 1000} s between messages)`;
      seen.set(key, at);
      if (seen.size > MAX_AUTHORS) for (const [k, t] of seen) if (at - t >= rule.slowMs) seen.delete(k);
    }
    return null;
  }

  /** The stream ended: platform settings stay as set; Prism's own rule ends with the feed. */
  end(streamId: string): void {
    this.rules.delete(streamId);
    this.lastShown.delete(streamId);
  }

  private async applyOn(source: ChatSource, modes: ChatModes): Promise<{ rule: PrismRule | null; result: ModesResult }> {
    const { chat } = source;
    const wanted = activeModes(modes);
    let native: ChatModeKey[] = chat.modes ? wanted.filter((k) => chat.modes!.supports(k, modes)) : [];
    let refusal = "";
    if (chat.modes) {
      try {
        await chat.modes.set(source.api, source.stream, onlyModes(modes, native));
      } catch (err) {
        refusal = (err as Error).message;
        native = [];
      }
    }
    const outcome = (k: ChatModeKey): ModeOutcome =>
      native.includes(k) ? "platform"
      : k === "slowSec" || k === "emoteOnly" ? "prism"
      : k === "subscribersOnly" && chat.isSupporter ? "prism"
      : "unavailable";
    const byMode = Object.fromEntries(wanted.map((k) => [k, outcome(k)])) as ModesResult["modes"];
    const prismSide = wanted.filter((k) => byMode[k] === "prism");
    const rule = prismSide.length > 0 ? ruleFor(modes, prismSide, chat.isSupporter?.bind(chat)) : null;
    const applied = wanted.reduce<ModeOutcome>((worst, k) => (RANK[byMode[k]!] > RANK[worst] ? byMode[k]! : worst), chat.modes && !refusal ? "platform" : "prism");
    return { rule, result: { platform: source.platform, destinationId: source.destinationId, applied, modes: byMode, message: describe(source.platform, wanted, byMode, refusal, !!chat.modes) } };
  }
}

/** The rule for the modes in `held` that Prism can hold (followers-only never; subscribers-only with badges only). */
function ruleFor(modes: ChatModes, held: readonly ChatModeKey[], isSupporter: ((badges: readonly string[]) => boolean) | undefined): PrismRule {
  return {
    slowMs: held.includes("slowSec") && modes.slowSec !== null ? modes.slowSec * 1000 : null,
    emoteOnly: held.includes("emoteOnly") && modes.emoteOnly,
    supportersOnly: held.includes("subscribersOnly") && modes.subscribersOnly && isSupporter ? isSupporter : null,
  };
}

function describe(platform: string, wanted: ChatModeKey[], byMode: ModesResult["modes"], refusal: string, hasApi: boolean): string {
  const list = (o: ModeOutcome) => wanted.filter((k) => byMode[k] === o).map((k) => LABEL[k]);
  const parts: string[] = [];
  if (refusal) parts.push(`${platform} refused the chat modes: ${refusal}`);
  if (wanted.length === 0) parts.push(hasApi && !refusal ? `Every chat mode is off on ${platform}.` : `Every chat mode is off; Prism holds ${platform}'s messages to none.`);
  const platformSide = list("platform");
  if (platformSide.length) parts.push(`${platform} holds ${platformSide.join(", ")} itself.`);
  const prismSide = list("prism");
  if (prismSide.length) parts.push(`Prism holds ${platform}'s messages to ${prismSide.join(", ")} in its feed and overlay${hasApi && !refusal ? " (outside what the platform's API allows)" : ""}; the platform's own chat still shows them.`);
  const none = list("unavailable");
  if (none.length) parts.push(`${none.join(", ")}: not available for ${platform} — its API cannot set it and its messages do not say who qualifies.`);
  return parts.join(" ");
}
