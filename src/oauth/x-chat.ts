import type { EventBus } from "../bus.js";
import type { AccountsRepo } from "../db/accounts-repo.js";
import type { DestinationsRepo } from "../db/destinations-repo.js";
import type { XChatRepo } from "../db/x-chat-repo.js";
import type { XStreamChat } from "../destinations/x/chat.js";

/**
 * The X-specific part of a live stream's chat: each X destination's settings as the reader sees
 * them (read again at every poll), the once-per-go-live announcement, and which live stream an
 * Enterprise `broadcast.chat` event belongs to.
 */
export class XChats {
  /** Live streams → X destinations Prism already announced during this go-live. */
  private readonly announced = new Map<string, Set<string>>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly deps: { settings: XChatRepo; destinations: DestinationsRepo; accounts: AccountsRepo; bus: EventBus },
  ) {}

  /** Before the comment feed subscribes, so a go-live is known here when its readers start. */
  start(): void {
    this.unsubscribe.push(this.deps.bus.on("stream.started", ({ streamId }) => void this.announced.set(streamId, new Set())));
    this.unsubscribe.push(this.deps.bus.on("stream.ended", ({ streamId }) => void this.announced.delete(streamId)));
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  chatFor(streamId: string, destinationId: string): XStreamChat {
    const { settings } = this.deps;
    return {
      current: () => settings.get(destinationId),
      // Outside a known go-live nothing is announced: a post goes out only for a stream that started.
      announcedThisGoLive: () => this.announced.get(streamId)?.has(destinationId) ?? true,
      announced: (postId) => {
        this.announced.get(streamId)?.add(destinationId);
        settings.update(destinationId, { postId });
      },
    };
  }

  /** The streams live now (started since Prism started, not ended). */
  liveStreams(): string[] {
    return [...this.announced.keys()];
  }
}
