import type { Registry } from "prom-client";
import type { EventBus } from "../bus.js";
import type { AccountSettings } from "../config.js";
import type { Logger } from "../log.js";
import type { AccountSummary } from "../db/accounts-repo.js";
import type { Destination } from "../db/destinations-repo.js";
import type { DestinationSettingsStore as DestinationSettingsRows, Store } from "../db/store.js";
import { platformOf, platforms } from "../destinations/registry.js";
import type { PlatformAdapter } from "../destinations/types.js";
import type { LinkedPlatform, PlatformUsage } from "../destinations/account-types.js";
import type { DestinationSettingsStore } from "../destinations/types.js";
import { OAuthClient } from "./oauth-client.js";
import { TokenKeeper } from "./token-keeper.js";
import { AccountLinking, type CallbackQuery } from "./linking.js";
import { LinkedDestinations } from "./linked-destinations.js";
import { LinkError } from "./errors.js";
import type { ChatSource } from "../comments/types.js";
import type { ViewerSource } from "../audience/types.js";
import { GoLives } from "./go-lives.js";
import { EventAnnouncements } from "./announcements.js";

export type { AnnouncementOutcome } from "./announcements.js";
export type { EventAnnouncements } from "./announcements.js";

export { LinkError } from "./errors.js";
export { LinkDeclined } from "./linking.js";

/** What the HTTP API may do with linked accounts; tokens never cross this line. */
export interface AccountsApi {
  /** Platforms whose accounts can be linked, and whether this Prism has an app (client id) for each. */
  platforms(): Array<{ platform: string; displayName: string; configured: boolean; pkce: boolean }>;
  startLink(platform: string): Promise<{ authorizeUrl: string; redirectUri: string; expiresAt: Date }>;
  finishLink(platform: string, query: CallbackQuery): Promise<AccountSummary>;
  list(): Promise<AccountSummary[]>;
  get(id: string): Promise<AccountSummary | undefined>;
  /** Forgets the account and revokes Prism's access where the platform offers revocation. */
  unlink(id: string): Promise<{ revoked: boolean; message: string }>;
}

export interface Accounts {
  api: AccountsApi;
  /** The relay's `resolve` for a destination whose ingest comes from its account. */
  resolverFor(destination: Pick<Destination, "id" | "streamId" | "platform" | "accountId">): (() => Promise<{ url: string; streamKey: string }>) | undefined;
  /** The chats the comment feed reads for a stream: its enabled linked-account destinations whose platform has chat. */
  chatSources(streamId: string): Promise<ChatSource[]>;
  /** Each enabled destination of a stream with what reads its live viewer count, or why nothing can. */
  viewerSources(streamId: string): Promise<ViewerSource[]>;
  /** Where a platform's destinations keep their own settings (its adapter's destinationSettings), if it has any. */
  destinationSettings(platform: string): DestinationSettingsStore | undefined;
  /**
   * The live streams with an enabled destination of `platform` linked to that platform's user, of
   * those destinations only the ones `accepts` agrees to: where chat the platform pushes belongs. `live` names the
   * live streams when this process does not know them all (in a cluster, those live on other nodes too).
   */
  liveStreamsLinkedTo(platform: string, platformUserId: string, accepts?: (destinationId: string) => Promise<boolean>, live?: readonly string[]): Promise<string[]>;
  /** The quota a linked-account destination's account spent today, where its platform counts one. */
  usage(destination: Pick<Destination, "platform" | "accountId">): PlatformUsage | undefined;
  /** Registers each platform's own metrics (e.g. a quota) on the service's registry. */
  instrument(registry: Registry): void;
  /** Announcing scheduled events on the platforms of a stream's linked accounts (issue #18). */
  announcements: EventAnnouncements;
  start(): void;
  stop(): void;
}

/** Linked platform accounts: OAuth flows, token upkeep, and ingest resolution for destinations. */
export function createAccounts(deps: {
  store: Pick<Store, "accounts" | "oauthStates" | "destinationSettings" | "streams" | "destinations">;
  bus: EventBus;
  settings: AccountSettings;
  /** Where the browser comes back after signing in, e.g. https://prism.example.com/api/v1/oauth/<platform>/callback. */
  redirectUri: (platform: string) => string;
  /** The scheduled event a go-live of the stream falls in, and the account's platform's announcement of it. */
  scheduledFor?: (streamId: string, accountId: string) => Promise<{ eventId: string; externalId: string } | undefined>;
  log: Logger;
}): Accounts {
  const { settings, log } = deps;
  const { accounts: repo, streams, destinations: destinationRows } = deps.store;
  const supported = Object.values(platforms as Record<string, PlatformAdapter>).flatMap((p) => {
    if (!p.accounts) return [];
    const platformSettings = settings.platforms[p.id];
    if (!platformSettings) throw new Error(`${p.id} links accounts but declares no config (its folder's config.ts): its OAuth app cannot be set`);
    return [{ id: p.id, displayName: p.displayName, name: p.name ?? p.displayName, support: p.accounts, settings: platformSettings }];
  });
  const labels = new Map<string, string>(supported.map((p) => [p.id, p.name]));
  const clients = new Map<string, OAuthClient>();
  const linked = new Map<string, LinkedPlatform>();
  for (const p of supported) {
    const platformSettings = p.settings;
    linked.set(p.id, p.support.create({ settings: platformSettings, log: log.child({ platform: p.id }) }));
    const { clientId, clientSecret } = platformSettings;
    const profile = { ...p.support.oauth, scopes: [...p.support.oauth.scopes, ...(p.support.oauth.extraScopes?.(platformSettings.options) ?? [])] };
    if (clientId && clientSecret) clients.set(p.id, new OAuthClient(labels.get(p.id)!, profile, { ...platformSettings, clientId, clientSecret }, settings.apiTimeoutMs));
  }
  const keeper = new TokenKeeper(repo, clients, deps.bus, log, { refreshMarginMs: settings.refreshMarginMs, apiTimeoutMs: settings.apiTimeoutMs });
  const linking = new AccountLinking({
    states: deps.store.oauthStates,
    accounts: repo,
    clients,
    platforms: linked,
    keeper,
    stateTtlMs: settings.stateTtlMs,
    redirectUri: deps.redirectUri,
    pkce: (platform) => supported.find((p) => p.id === platform)?.support.oauth.pkce ?? false,
    log,
  });
  const settingsStores = destinationSettingsStores(deps.store.destinationSettings);
  const goLives = new GoLives(deps.bus);
  const destinations = new LinkedDestinations({ accounts: repo, streams, platforms: linked, labels, keeper, bus: deps.bus, log, scheduledFor: deps.scheduledFor });
  const announcements = new EventAnnouncements({ accounts: repo, destinations: destinationRows, platforms: linked, labels, keeper, log });
  let sweeper: NodeJS.Timeout | null = null;

  const api: AccountsApi = {
    platforms: () => supported.map((p) => ({ platform: p.id, displayName: p.displayName, configured: clients.has(p.id), pkce: p.support.oauth.pkce })),
    startLink: (platform) => linking.start(platform),
    finishLink: (platform, query) => linking.finish(platform, query),
    list: () => repo.list(),
    get: (id) => repo.summary(id),
    async unlink(id) {
      const account = await repo.get(id);
      if (!account) throw new LinkError(404, "not_found", "Account not found.");
      const users = await destinationRows.listByAccount(id);
      if (users.length > 0) {
        throw new LinkError(
          409,
          "account_in_use",
          `${users.length} destination(s) use this account (${users.map((d) => `"${d.name}"`).join(", ")}): remove them first, then unlink the account.`,
        );
      }
      const label = labels.get(account.platform) ?? account.platform;
      const client = clients.get(account.platform);
      const oauth = supported.find((p) => p.id === account.platform)?.support.oauth;
      let outcome = { revoked: false, message: `${label} offers no way to revoke an app's access: remove Prism under the connected apps of your ${label} account settings.` };
      if (client && oauth?.revokePath) {
        const kind = oauth.revokeToken === "refresh_token" && account.refreshToken ? "refresh_token" : "access_token";
        try {
          await client.revoke(kind === "refresh_token" ? account.refreshToken! : account.accessToken, kind);
          outcome = { revoked: true, message: `Prism's access to the ${label} account was revoked.` };
        } catch (err) {
          outcome = { revoked: false, message: `${(err as Error).message} Prism forgot the account anyway; remove Prism under the connected apps of your ${label} account settings.` };
        }
      }
      await repo.delete(id);
      log.info({ account: id, platform: account.platform, revoked: outcome.revoked }, "account unlinked");
      return outcome;
    },
  };

  /** The stream as a linked destination's platform code sees it during this go-live. */
  const streamInfo = async (streamId: string, d: Destination) => {
    const stream = await streams.get(streamId);
    return {
      streamId,
      destinationId: d.id,
      title: stream?.title ?? stream?.name ?? "Live",
      description: stream?.description ?? null,
      live: goLives.destination(streamId, d.id, settingsStores.get(d.platform)),
    };
  };

  return {
    api,
    resolverFor: (d) => destinations.resolverFor(d),
    async chatSources(streamId) {
      const found: ChatSource[] = [];
      for (const d of await destinationRows.list(streamId)) {
        const chat = linked.get(d.platform)?.chat;
        const account = d.accountId && d.enabled ? await repo.get(d.accountId) : undefined;
        if (!chat || !account) continue;
        found.push({ platform: d.platform, destinationId: d.id, chat, api: keeper.api(account), stream: await streamInfo(streamId, d) });
      }
      return found;
    },
    async viewerSources(streamId) {
      const found: ViewerSource[] = [];
      for (const d of (await destinationRows.list(streamId)).filter((d) => d.enabled)) {
        const adapter = platformOf(d.platform);
        const name = adapter.name ?? adapter.displayName;
        const viewers = linked.get(d.platform)?.viewers;
        const account = d.accountId ? await repo.get(d.accountId) : undefined;
        const reader = !viewers
          ? { unavailable: adapter.noViewerCount ?? `${name} exposes no viewer count to Prism` }
          : !account
            ? { unavailable: `link a ${name} account to this destination to see its viewer count` }
            : { viewers, api: keeper.api(account), stream: await streamInfo(streamId, d) };
        found.push({ destinationId: d.id, platform: d.platform, reader });
      }
      return found;
    },
    destinationSettings: (platform) => settingsStores.get(platform),
    async liveStreamsLinkedTo(platform, platformUserId, accepts = async () => true, live = goLives.liveStreams()) {
      const found: string[] = [];
      for (const streamId of live) {
        for (const d of await destinationRows.list(streamId)) {
          if (d.platform !== platform || !d.enabled || d.accountId === null) continue;
          if ((await repo.summary(d.accountId))?.platformUserId !== platformUserId || !(await accepts(d.id))) continue;
          found.push(streamId);
          break;
        }
      }
      return found;
    },
    usage: (d) => (d.accountId ? linked.get(d.platform)?.usage?.(d.accountId) : undefined),
    announcements,
    instrument(registry) {
      for (const platform of linked.values()) platform.instrument?.(registry);
    },
    start() {
      goLives.start();
      destinations.start();
      sweeper = setInterval(() => void keeper.sweep(), settings.refreshCheckMs);
      sweeper.unref();
    },
    stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      destinations.stop();
      goLives.stop();
      for (const platform of linked.values()) platform.close?.();
    },
  };
}

/** Each platform that declares destination settings gets them kept in the one generic table, its defaults filled in. */
function destinationSettingsStores(repo: DestinationSettingsRows): Map<string, DestinationSettingsStore> {
  return new Map(
    Object.values(platforms as Record<string, PlatformAdapter>).flatMap((p) => {
      const defaults = p.destinationSettings?.defaults as Record<string, unknown> | undefined;
      if (!defaults) return [];
      const store: DestinationSettingsStore = {
        get: async (id) => ({ ...defaults, ...(await repo.get(id)) }),
        update: async (id, patch) => ({ ...defaults, ...(await repo.update(id, patch as Record<string, unknown>)) }),
      };
      return [[p.id, store] as const];
    }),
  );
}
