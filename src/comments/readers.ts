import { backoffDelay, type BackoffPolicy } from "../core/backoff.js";
import type { Logger } from "../log.js";
import type { ChatReaderState, IncomingChatMessage } from "../destinations/chat-types.js";
import type { Merger } from "./merger.js";
import type { ChatSource } from "./types.js";

/**
 * Pauses before a reader that returned or threw is started again: 1 s doubling to 30 s, without
 * jitter (one reader per platform and stream: there is no crowd to spread).
 */
const RESTART: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, jitter: "none" };

/**
 * Runs one chat reader per source of a live stream until the stream ends. Readers reconnect on
 * their own; this only restarts one that gave up (returned or threw) while the stream is still
 * live, with backoff, and never lets one platform's failure reach another.
 */
export class StreamReaders {
  private readonly controller = new AbortController();
  readonly states = new Map<string, { platform: string; state: ChatReaderState; detail?: string }>();

  constructor(
    sources: ChatSource[],
    private readonly merger: Pick<Merger, "accept" | "progress" | "ignore" | "watch">,
    private readonly log: Logger,
  ) {
    for (const source of sources) void this.run(source);
  }

  stop(): void {
    this.controller.abort();
  }

  private async run(source: ChatSource): Promise<void> {
    const signal = this.controller.signal;
    const log = this.log.child({ platform: source.platform, destination: source.destinationId });
    const sink = {
      messages: (messages: IncomingChatMessage[]) => {
        if (!signal.aborted) this.merger.accept(source.platform, messages);
      },
      caughtUp: (until: Date | null) => {
        if (signal.aborted) return;
        if (until) this.merger.progress(source.platform, until);
        else this.merger.ignore(source.platform);
      },
      state: (state: ChatReaderState, detail?: string) => {
        this.states.set(source.destinationId, { platform: source.platform, state, ...(detail ? { detail } : {}) });
        log.debug({ state, detail }, "chat reader state");
        if (signal.aborted) return;
        // Messages missed during an outage arrive later than any window could wait: only a live reader is waited for.
        if (state === "live") this.merger.watch(source.platform);
        else this.merger.ignore(source.platform);
      },
      log,
    };
    let restarts = 0;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        await source.chat.read(source.api, source.stream, sink, signal);
      } catch (err) {
        if (!signal.aborted) log.warn({ reason: (err as Error).message }, "chat reader stopped; starting it again");
      }
      if (signal.aborted) break;
      // A reader that failed said why (a refused scope, a chat the platform forbids): that stays visible until it runs again.
      if (this.states.get(source.destinationId)?.state !== "failed") sink.state("reconnecting", "the reader stopped");
      // A reader that ran a while before it stopped has a new problem, not the same one again.
      if (Date.now() - started > RESTART.maxMs) restarts = 0;
      const delay = backoffDelay(RESTART, restarts++);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, delay);
        signal.addEventListener("abort", () => (clearTimeout(t), resolve(undefined)), { once: true });
      });
    }
  }
}
