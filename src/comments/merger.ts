import type { IncomingChatMessage } from "../destinations/chat-types.js";
import type { NewComment } from "./types.js";

/** How many recent (platform, id) keys per stream are remembered to drop repeats before they reach the store. */
const RECENT_KEYS = 5_000;
/** Longest a platform message may be; longer ones are cut (the feed and the overlay are for chat lines). */
const MAX_TEXT = 2_000;

/**
 * Merges the platforms' chats of one stream: drops repeats (a reader re-reading a page after a
 * reconnect), then holds each message for the reorder window so one arriving a little late from a
 * slower platform still takes its place by `sentAt`. Released batches come out in `sentAt` order.
 */
export class Merger {
  private pending: NewComment[] = [];
  private readonly recent = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly streamId: string,
    private readonly options: { windowMs: number; tickMs: number; now?: () => number },
    private readonly release: (batch: NewComment[]) => void,
    /** Already stored (a restart, or a repeat older than the in-memory keys). */
    private readonly seen: (platform: string, platformMessageId: string) => boolean,
  ) {}

  accept(platform: string, messages: IncomingChatMessage[]): void {
    const now = this.now();
    for (const m of messages) {
      const key = `${platform}\n${m.platformMessageId}`;
      if (this.recent.has(key)) continue;
      this.remember(key);
      if (this.seen(platform, m.platformMessageId)) continue;
      this.pending.push({
        platform,
        platformMessageId: m.platformMessageId,
        streamId: this.streamId,
        author: { ...m.author, badges: [...m.author.badges] },
        text: m.text.length > MAX_TEXT ? m.text.slice(0, MAX_TEXT) : m.text,
        ...(m.emotes ? { emotes: m.emotes } : {}),
        // A platform clock ahead of ours must not hold a message back: it counts as sent on arrival.
        sentAt: m.sentAt.getTime() > now ? new Date(now) : m.sentAt,
        receivedAt: new Date(now),
        flagged: null,
        hidden: null,
      });
    }
    // Without a window, what every reader handed over in this turn of the event loop is stored in one transaction.
    if (this.options.windowMs === 0) this.immediate ??= setImmediate(() => ((this.immediate = null), this.flush(true)));
    else this.timer ??= setInterval(() => this.flush(false), this.options.tickMs);
  }

  /** Releases what has waited out the window (everything when `all`). */
  flush(all: boolean): void {
    if (this.pending.length === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    const cutoff = this.now() - this.options.windowMs;
    this.pending.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
    // Release in sentAt order up to the first message still inside its window: a later-sent one
    // that has waited long enough stays behind it, so the order holds.
    let n = 0;
    if (all) n = this.pending.length;
    else while (n < this.pending.length && this.pending[n]!.receivedAt.getTime() <= cutoff) n++;
    if (n === 0) return;
    const batch = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    this.release(batch);
  }

  close(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.flush(true);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private remember(key: string): void {
    this.recent.add(key);
    if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.values().next().value!);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
