import type { IncomingChatMessage } from "../destinations/chat-types.js";
import type { NewComment } from "./types.js";

/** How many recent (platform, id) keys per stream are remembered to drop repeats before they reach the store. */
const RECENT_KEYS = 5_000;
/** Longest a platform message may be; longer ones are cut (the feed and the overlay are for chat lines). */
const MAX_TEXT = 2_000;

/**
 * Merges the platforms' chats of one stream: drops repeats (a reader re-reading a page after a
 * reconnect), then releases messages in `sentAt` order.
 *
 * A message waits only as long as another platform could still hand over one sent before it. Each
 * platform's reader delivers in order, so its progress is a watermark: the newest `sentAt` it has
 * handed over, or the time up to which it says it has read everything (`progress`, e.g. after a
 * poll or a keepalive). A message is released once every *other* platform's watermark has passed
 * its `sentAt` — at once in a busy chat — and at the latest when it has waited the reorder window,
 * so a quiet platform delays the others by the window and no more. A platform whose reader is down
 * or has nothing to read is not waited for at all.
 */
export class Merger {
  private pending: NewComment[] = [];
  private readonly recent = new Set<string>();
  private readonly watermarks = new Map<string, number>();
  /** Platforms not waited for: their reader is not live, or has nothing to read. */
  private readonly ignored = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly streamId: string,
    private readonly options: { windowMs: number; now?: () => number },
    private readonly release: (batch: NewComment[]) => void,
    /** Already stored (a restart, or a repeat older than the in-memory keys). */
    private readonly seen: (platform: string, platformMessageId: string) => boolean,
  ) {}

  /** The platforms reading this stream's chat: a message waits for each of the others (up to the window). */
  expect(platforms: Iterable<string>): void {
    for (const p of platforms) if (!this.watermarks.has(p)) this.watermarks.set(p, -Infinity);
  }

  /** `platform`'s reader has handed over everything sent before `until`. */
  progress(platform: string, until: Date): void {
    this.ignored.delete(platform);
    this.advance(platform, until.getTime());
    if (this.pending.length > 0) this.schedule();
  }

  /** Stop waiting for `platform` (its reader is down, or has nothing to read) until `watch` or `progress`. */
  ignore(platform: string): void {
    this.ignored.add(platform);
    if (this.pending.length > 0) this.schedule();
  }

  /** Wait for `platform` again (its reader is live), from what it last vouched for. */
  watch(platform: string): void {
    this.ignored.delete(platform);
    if (!this.watermarks.has(platform)) this.watermarks.set(platform, -Infinity);
  }

  accept(platform: string, messages: IncomingChatMessage[]): void {
    const now = this.now();
    let newest = -Infinity;
    for (const m of messages) {
      const key = `${platform}\n${m.platformMessageId}`;
      if (this.recent.has(key)) continue;
      this.remember(key);
      if (this.seen(platform, m.platformMessageId)) continue;
      // A platform clock ahead of ours must not hold a message back: it counts as sent on arrival.
      const sentAt = m.sentAt.getTime() > now ? new Date(now) : m.sentAt;
      newest = Math.max(newest, sentAt.getTime());
      this.pending.push({
        platform,
        platformMessageId: m.platformMessageId,
        streamId: this.streamId,
        author: { ...m.author, badges: [...m.author.badges] },
        text: m.text.length > MAX_TEXT ? m.text.slice(0, MAX_TEXT) : m.text,
        kind: m.kind ?? "message",
        ...(m.amount ? { amount: { ...m.amount } } : {}),
        ...(m.emotes ? { emotes: m.emotes } : {}),
        sentAt,
        receivedAt: new Date(now),
        flagged: null,
        hidden: null,
      });
    }
    this.advance(platform, newest);
    if (this.pending.length > 0) this.schedule();
  }

  /** Releases, in `sentAt` order, what no platform can overtake any more (everything when `all`). */
  flush(all: boolean): void {
    if (this.pending.length === 0) return;
    const now = this.now();
    this.pending.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
    let n = 0;
    if (all || this.options.windowMs === 0) n = this.pending.length;
    // Release up to the first message still waiting: nothing sent later may overtake it.
    else while (n < this.pending.length && this.mayRelease(this.pending[n]!, now)) n++;
    if (n > 0) {
      const batch = this.pending.slice(0, n);
      this.pending = this.pending.slice(n);
      this.release(batch);
    }
    if (this.pending.length > 0) this.wakeAt(this.pending[0]!.receivedAt.getTime() + this.options.windowMs);
  }

  close(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.clearTimer();
    this.flush(true);
  }

  private mayRelease(m: NewComment, now: number): boolean {
    if (m.receivedAt.getTime() + this.options.windowMs <= now) return true;
    const sentAt = m.sentAt.getTime();
    for (const [platform, watermark] of this.watermarks) if (platform !== m.platform && watermark < sentAt && !this.ignored.has(platform)) return false;
    return true;
  }

  private advance(platform: string, to: number): void {
    this.watermarks.set(platform, Math.max(this.watermarks.get(platform) ?? -Infinity, to));
  }

  /** What every reader handed over in this turn of the event loop is looked at (and stored) together. */
  private schedule(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = null;
      this.flush(false);
    });
  }

  /** The head of the queue waits out its window at the latest; wake then (one timer per merger). */
  private wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.flush(false);
    }, Math.max(0, at - this.now()));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private remember(key: string): void {
    this.recent.add(key);
    if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.values().next().value!);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
