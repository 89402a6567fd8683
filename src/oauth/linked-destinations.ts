import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { Destination } from "../db/destinations-repo.js";
import type { AccountsStore, StreamsStore } from "../db/store.js";
import type { LinkedPlatform, StreamInfo } from "../destinations/account-types.js";
import { PlatformRefused, PlatformUnavailable } from "../core/platform-errors.js";
import type { TokenKeeper } from "./token-keeper.js";

/**
 * Destinations whose ingest comes from a linked account: the relay asks `resolve` before every
 * connection attempt, and the platform's API answers with the current URL and key. Whatever goes
 * wrong is a PlatformRefused (the destination fails and waits for the streamer: only the streamer
 * can fix it) or a PlatformUnavailable (retried); the relay shows it as the destination's health.
 */
export class LinkedDestinations {
  /** streamId → destinations whose platform opened something for this go-live (e.g. a broadcast). */
  private readonly opened = new Map<string, Map<string, { accountId: string; info: StreamInfo }>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: {
      accounts: AccountsStore;
      streams: StreamsStore;
      platforms: ReadonlyMap<string, LinkedPlatform>;
      labels: ReadonlyMap<string, string>;
      keeper: TokenKeeper;
      bus: EventBus;
      log: Logger;
      scheduledFor?: (streamId: string, accountId: string) => Promise<{ eventId: string; externalId: string } | undefined>;
    },
  ) {}

  start(): void {
    // On the node the stream ended on: the platforms' broadcasts are wrapped up once cluster-wide.
    this.unsubscribe = this.deps.bus.on(
      "stream.ended",
      ({ streamId }) => void this.ended(streamId).catch((err: unknown) => this.deps.log.error({ err, streamId }, "could not wrap up the platforms' broadcasts")),
      { localOnly: true },
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The relay's `resolve` for a destination, or undefined when its URL and key are stored (custom, typed-in ingest). */
  resolverFor(destination: Pick<Destination, "id" | "streamId" | "platform" | "accountId">): (() => Promise<{ url: string; streamKey: string }>) | undefined {
    const { accountId, platform } = destination;
    const linked = this.deps.platforms.get(platform);
    if (!accountId || !linked?.ingest) return undefined;
    return () => this.resolve(destination.streamId, destination.id, accountId, linked);
  }

  private async resolve(streamId: string, destinationId: string, accountId: string, linked: LinkedPlatform): Promise<{ url: string; streamKey: string }> {
    const [account, stream] = await Promise.all([this.deps.accounts.get(accountId), this.deps.streams.get(streamId)]);
    if (!account) {
      throw new PlatformRefused("The account linked to this destination was unlinked from Prism: link it again and add the destination anew, or remove this destination.");
    }
    const label = this.deps.labels.get(account.platform) ?? account.platform;
    const scheduled = await this.deps.scheduledFor?.(streamId, accountId);
    const info: StreamInfo = { streamId, destinationId, title: stream?.title ?? stream?.name ?? "Live", description: stream?.description ?? null, ...(scheduled && { scheduled }) };
    try {
      const target = await linked.ingest!(this.deps.keeper.api(account), info);
      if (linked.ended) {
        let forStream = this.opened.get(streamId);
        if (!forStream) this.opened.set(streamId, (forStream = new Map()));
        forStream.set(destinationId, { accountId, info });
      }
      return target;
    } catch (err) {
      if (err instanceof PlatformRefused || err instanceof PlatformUnavailable) throw err;
      this.deps.log.warn({ destination: destinationId, platform: account.platform, reason: (err as Error).message }, "could not get the ingest from the platform");
      throw new PlatformUnavailable(`Could not get the stream key from ${label}: ${(err as Error).message}. Prism will try again.`);
    }
  }

  /** The stream ended: each platform wraps up what it opened (e.g. completes its broadcast). */
  private async ended(streamId: string): Promise<void> {
    const forStream = this.opened.get(streamId);
    if (!forStream) return;
    this.opened.delete(streamId);
    await Promise.all(
      [...forStream.values()].map(async ({ accountId, info }) => {
        const account = await this.deps.accounts.get(accountId);
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
