import type { Logger } from "../log.js";
import type { AccountsStore, DestinationsStore } from "../db/store.js";
import type { LinkedPlatform, PlannedBroadcast } from "../destinations/account-types.js";
import { PlatformRefused } from "../core/platform-errors.js";
import type { TokenKeeper } from "./token-keeper.js";

/** What one linked account's platform made of an announcement (or a withdrawal). */
export interface AnnouncementOutcome {
  accountId: string;
  platform: string;
  /** announced; refused (the streamer must act); unavailable (passing trouble); not_available (the platform cannot); withdrawn. */
  state: "announced" | "refused" | "unavailable" | "not_available" | "withdrawn";
  externalId: string | null;
  url: string | null;
  message: string | null;
}

/**
 * Announces planned broadcasts on the platforms of a stream's linked accounts, through each
 * platform's `schedule` capability. Never throws: every answer, refusals included, is an outcome.
 */
export class EventAnnouncements {
  constructor(
    private readonly deps: {
      accounts: AccountsStore;
      destinations: DestinationsStore;
      platforms: ReadonlyMap<string, LinkedPlatform>;
      labels: ReadonlyMap<string, string>;
      keeper: TokenKeeper;
      log: Logger;
    },
  ) {}

  /** The linked accounts a stream's enabled destinations go live through, each once. */
  async targets(streamId: string): Promise<Array<{ accountId: string; platform: string }>> {
    const seen = new Map<string, string>();
    for (const d of await this.deps.destinations.list(streamId)) if (d.enabled && d.accountId && !seen.has(d.accountId)) seen.set(d.accountId, d.platform);
    return [...seen].map(([accountId, platform]) => ({ accountId, platform }));
  }

  async announce(target: { accountId: string; platform: string }, event: PlannedBroadcast, existing: string | null): Promise<AnnouncementOutcome> {
    return this.attempt(target, existing, async (schedule, api) => {
      const done = await schedule.announce(api, event, existing);
      return { state: "announced", externalId: done.externalId, url: done.url ?? null, message: null };
    });
  }

  async withdraw(target: { accountId: string; platform: string }, event: PlannedBroadcast, externalId: string): Promise<AnnouncementOutcome> {
    return this.attempt(target, externalId, async (schedule, api) => {
      await schedule.withdraw(api, event, externalId);
      return { state: "withdrawn", externalId, url: null, message: null };
    });
  }

  private async attempt(
    target: { accountId: string; platform: string },
    externalId: string | null,
    run: (
      schedule: Exclude<NonNullable<LinkedPlatform["schedule"]>, { unsupported: string }>,
      api: ReturnType<TokenKeeper["api"]>,
    ) => Promise<Pick<AnnouncementOutcome, "state" | "externalId" | "url" | "message">>,
  ): Promise<AnnouncementOutcome> {
    const { accountId, platform } = target;
    const label = this.deps.labels.get(platform) ?? platform;
    const outcome = (state: AnnouncementOutcome["state"], message: string | null): AnnouncementOutcome => ({ accountId, platform, state, externalId, url: null, message });
    const schedule = this.deps.platforms.get(platform)?.schedule;
    if (!schedule) return outcome("not_available", `Prism cannot announce planned broadcasts on ${label}.`);
    if ("unsupported" in schedule) return outcome("not_available", schedule.unsupported);
    const why = schedule.unavailable?.();
    if (why) return outcome("not_available", why);
    const account = await this.deps.accounts.get(accountId);
    if (!account) return outcome("refused", `The ${label} account was unlinked from Prism: link it again.`);
    try {
      return { accountId, platform, ...(await run(schedule, this.deps.keeper.api(account))) };
    } catch (err) {
      const message = (err as Error).message;
      this.deps.log.warn({ account: accountId, platform, reason: message }, "platform did not take the scheduled event");
      return outcome(err instanceof PlatformRefused ? "refused" : "unavailable", message);
    }
  }
}
