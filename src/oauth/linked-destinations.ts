import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { AccountsRepo } from "../db/accounts-repo.js";
import type { Destination } from "../db/destinations-repo.js";
import type { StreamsRepo } from "../db/streams-repo.js";
import type { LinkedPlatform, StreamInfo } from "../destinations/account-types.js";
import { PlatformRefused, PlatformUnavailable } from "../destinations/account-types.js";
import { OutputError } from "../relay/output-error.js";
import type { PublishTarget } from "../relay/rtmp/publish-client.js";
import type { TokenKeeper } from "./token-keeper.js";
import { AccountNeedsReconnect } from "./errors.js";

/**
 * Destinations whose ingest comes from a linked account: the relay asks `resolve` before every
 * connection attempt, and the platform's API answers with the current URL and key. Whatever goes
 * wrong becomes an OutputError the destination's health shows: "rejected" (the destination fails
 * and waits for the streamer) when only the streamer can fix it, anything else is retried.
 */
export class LinkedDestinations {
  /** streamId → destinations whose platform opened something for this go-live (a YouTube broadcast). */
  private readonly opened = new Map<string, Map<string, { accountId: string; info: StreamInfo }>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: {
      accounts: AccountsRepo;
      streams: StreamsRepo;
      platforms: ReadonlyMap<string, LinkedPlatform>;
      labels: ReadonlyMap<string, string>;
      keeper: TokenKeeper;
      bus: EventBus;
      log: Logger;
    },
  ) {}

  start(): void {
    this.unsubscribe = this.deps.bus.on("stream.ended", ({ streamId }) => void this.ended(streamId));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The relay's `resolve` for a destination, or undefined when its URL and key are stored (custom, X). */
  resolverFor(destination: Pick<Destination, "id" | "streamId" | "platform" | "accountId">): (() => Promise<PublishTarget>) | undefined {
    const { accountId, platform } = destination;
    const linked = this.deps.platforms.get(platform);
    if (!accountId || !linked?.ingest) return undefined;
    return () => this.resolve(destination.streamId, destination.id, accountId, linked);
  }

  private async resolve(streamId: string, destinationId: string, accountId: string, linked: LinkedPlatform): Promise<PublishTarget> {
    const account = this.deps.accounts.get(accountId);
    const stream = this.deps.streams.get(streamId);
    if (!account) {
      throw new OutputError("rejected", "The account linked to this destination was unlinked from Prism: link it again and add the destination anew, or remove this destination.");
    }
    const label = this.deps.labels.get(account.platform) ?? account.platform;
    const info: StreamInfo = { streamId, destinationId, title: stream?.title ?? stream?.name ?? "Live", description: stream?.description ?? null };
    try {
      const target = await linked.ingest!(this.deps.keeper.api(account), info);
      if (linked.ended) {
        let forStream = this.opened.get(streamId);
        if (!forStream) this.opened.set(streamId, (forStream = new Map()));
        forStream.set(destinationId, { accountId, info });
      }
      return target;
    } catch (err) {
      if (err instanceof AccountNeedsReconnect || err instanceof PlatformRefused) throw new OutputError("rejected", err.message);
      if (err instanceof PlatformUnavailable) throw new OutputError("unreachable", err.message);
      this.deps.log.warn({ destination: destinationId, platform: account.platform, reason: (err as Error).message }, "could not get the ingest from the platform");
      throw new OutputError("unreachable", `Could not get the stream key from ${label}: ${(err as Error).message}. Prism will try again.`);
    }
  }

  /** The stream ended: each platform wraps up what it opened (YouTube completes its broadcast). */
  private async ended(streamId: string): Promise<void> {
    const forStream = this.opened.get(streamId);
    if (!forStream) return;
    this.opened.delete(streamId);
    await Promise.all(
      [...forStream.values()].map(async ({ accountId, info }) => {
        const account = this.deps.accounts.get(accountId);
        const linked = account && this.deps.platforms.get(account.platform);
        if (!account || !linked?.ended) return;
        try {
          await linked.ended(this.deps.keeper.api(account), info);
        } catch (err) {
          this.deps.log.warn({ destination: info.destinationId, platform: account.platform, reason: (err as Error).message }, "could not wrap up the platform's broadcast");
        }
      }),
    );
  }
}
