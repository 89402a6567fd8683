import type { EventBus } from "../bus.js";
import type { Logger } from "../log.js";
import type { Account } from "../db/accounts-repo.js";
import type { AccountsStore } from "../db/store.js";
import type { AccountApi } from "../destinations/account-types.js";
import { PlatformUnavailable } from "../core/platform-errors.js";
import type { OAuthClient } from "./oauth-client.js";
import { AccountNeedsReconnect, TokenEndpointError } from "./errors.js";

export interface KeeperOptions {
  /** Refresh when the access token expires within this many ms. */
  refreshMarginMs: number;
  /** How long one platform API call may take. */
  apiTimeoutMs: number;
}

/**
 * Keeps linked accounts' access tokens usable: refreshed shortly before they expire and once more
 * when a platform answers 401, one refresh at a time per account over every node (some platforms rotate
 * refresh tokens, so two at once would lock the account out): callers here share one refresh, and the
 * store's refresh lock serialises nodes. A refresh the platform refuses marks the account
 * `needs_reconnect` and announces it on the bus, once; nothing here ever throws into the relay
 * except the errors its callers turn into a destination's lastError.
 */
export class TokenKeeper {
  private readonly inflight = new Map<string, Promise<Account>>();

  constructor(
    private readonly repo: AccountsStore,
    private readonly clients: ReadonlyMap<string, OAuthClient>,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly options: KeeperOptions,
  ) {}

  /**
   * The account with an access token good for at least the refresh margin. `refused`: the access token a platform
   * just refused — refreshed unless the stored one already replaced it (callers that met one 401 together, or
   * another node, refreshed meanwhile: platforms that rotate refresh tokens refuse a second refresh); true:
   * refreshed now.
   */
  async fresh(accountId: string, refused?: string | true): Promise<Account> {
    const account = await this.repo.get(accountId);
    if (!account) throw new AccountNeedsReconnect("The linked account was removed from Prism: link it again.");
    if (account.status === "needs_reconnect") throw new AccountNeedsReconnect(this.reconnectMessage(account, account.statusReason));
    if (typeof refused === "string" && account.accessToken !== refused) return account;
    const expiring = account.expiresAt !== null && account.expiresAt.getTime() - Date.now() <= this.options.refreshMarginMs;
    if (refused === undefined && !expiring) return account;
    let running = this.inflight.get(accountId);
    if (!running) {
      running = this.refresh(account).finally(() => this.inflight.delete(accountId));
      this.inflight.set(accountId, running);
    }
    return running;
  }

  /** Refreshes every account whose token is about to expire, so a revoked grant shows up before go-live. */
  async sweep(): Promise<void> {
    for (const summary of await this.repo.list()) {
      if (summary.status !== "ok" || summary.expiresAt === null) continue;
      if (summary.expiresAt.getTime() - Date.now() > this.options.refreshMarginMs) continue;
      await this.fresh(summary.id).catch((err: Error) => {
        if (!(err instanceof AccountNeedsReconnect)) this.log.warn({ account: summary.id, platform: summary.platform, reason: err.message }, "token refresh failed; will try again");
      });
    }
  }

  /** The platform's API as this account: signed requests, refreshed on expiry and on 401. */
  api(account: Account): AccountApi {
    const id = account.id;
    return {
      account: { id, platformUserId: account.platformUserId, displayName: account.displayName },
      fetch: async (url, init = {}) => {
        let current = await this.fresh(id);
        let res = await this.send(current, url, init);
        if (res.status !== 401) return res;
        await res.body?.cancel();
        const before = current.accessToken;
        current = await this.fresh(id, before);
        if (current.accessToken === before) return this.send(current, url, init);
        res = await this.send(current, url, init);
        if (res.status === 401) {
          await res.body?.cancel();
          // A token minted a moment ago refused too: the grant itself is gone.
          throw this.needsReconnect(current, `${this.label(current)} refused a freshly refreshed access token (the app's access was probably removed on ${this.label(current)})`);
        }
        return res;
      },
      accessToken: async (refresh = false) => (await this.fresh(id, refresh || undefined)).accessToken,
      tokenRefused: (reason) => this.needsReconnect(account, reason),
      data: async () => (await this.repo.get(id))?.platformData ?? {},
      saveData: async (data) => void (await this.repo.saveData(id, data)),
    };
  }

  /** An API view for a token not stored yet (while linking): no refresh, no retry. */
  bareApi(platform: string, accessToken: string, user: { platformUserId: string; displayName: string } = { platformUserId: "", displayName: "" }): AccountApi {
    const label = this.clients.get(platform)?.label ?? platform;
    let data: Record<string, unknown> = {};
    return {
      account: { id: "", ...user },
      fetch: (url, init = {}) => this.request(label, accessToken, url, init),
      tokenRefused: (reason) => new AccountNeedsReconnect(`${label} refused the token it had just issued (${reason}); link the account again.`),
      data: async () => data,
      saveData: async (d) => void (data = d),
    };
  }

  private send(account: Account, url: string, init: RequestInit & { scheme?: string }): Promise<Response> {
    return this.request(this.label(account), account.accessToken, url, init);
  }

  private async request(label: string, token: string, url: string, init: RequestInit & { scheme?: string }): Promise<Response> {
    const { scheme = "Bearer", headers, ...rest } = init;
    try {
      return await fetch(url, {
        ...rest,
        headers: { ...(headers as Record<string, string> | undefined), Authorization: `${scheme} ${token}` },
        signal: AbortSignal.timeout(this.options.apiTimeoutMs),
        redirect: "error",
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new PlatformUnavailable(`Could not reach ${label} (${new URL(url).host}): ${cause === "TimeoutError" ? `no answer within ${this.options.apiTimeoutMs} ms` : cause}. Prism will try again.`);
    }
  }

  /**
   * Refreshes under the account's refresh lock (on PostgreSQL held across nodes): when the stored access token
   * is no longer the one `seen` held, another node or an earlier refresh here replaced it, and that one is used.
   */
  private async refresh(seen: Account): Promise<Account> {
    const client = this.clients.get(seen.platform);
    if (!client) throw new AccountNeedsReconnect(`Prism has no ${seen.platform} OAuth client configured any more, so the account cannot be refreshed.`);
    const refreshed = await this.repo.withRefreshLock(seen.id, async (account) => {
      if (account.status === "needs_reconnect") throw new AccountNeedsReconnect(this.reconnectMessage(account, account.statusReason));
      if (account.accessToken !== seen.accessToken) return null;
      if (!account.refreshToken) {
        throw this.needsReconnect(account, `${client.label} issues no refresh token and the access token has expired or was refused`);
      }
      try {
        const tokens = await client.refresh(account.refreshToken);
        this.log.info({ account: account.id, platform: account.platform }, "access token refreshed");
        return tokens;
      } catch (err) {
        if (err instanceof TokenEndpointError && err.refused) throw this.needsReconnect(account, err.message.replace(/\.$/, ""));
        // The platform is down or slow: the refresh token is still good; try again later.
        throw new PlatformUnavailable((err as Error).message);
      }
    });
    if (!refreshed) throw new AccountNeedsReconnect("The linked account was removed from Prism: link it again.");
    return refreshed;
  }

  /** The error to throw now; the account is marked (and announced, once) as soon as the store answers. */
  private needsReconnect(account: Account, reason: string): AccountNeedsReconnect {
    const at = new Date().toISOString();
    void this.repo
      .markNeedsReconnect(account.id, reason)
      .then((changed) => {
        if (!changed) return;
        this.log.warn({ account: account.id, platform: account.platform, reason }, "linked account needs to be connected again");
        this.bus.emit("account.needs_reconnect", { accountId: account.id, platform: account.platform, displayName: account.displayName, reason, at });
      })
      .catch((err: unknown) => this.log.error({ err, account: account.id }, "could not mark the linked account as needing to be connected again"));
    return new AccountNeedsReconnect(this.reconnectMessage(account, reason));
  }

  private reconnectMessage(account: Account, reason: string | null): string {
    return `The ${this.label(account)} account ${account.displayName} must be connected again${reason ? ` (${reason})` : ""}: connect it under Accounts, then enable this destination again.`;
  }

  private label(account: Account): string {
    return this.clients.get(account.platform)?.label ?? account.platform;
  }
}
