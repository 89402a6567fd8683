import type { Logger } from "../log.js";
import type { AccountSummary } from "../db/accounts-repo.js";
import type { AccountsStore, OAuthStatesStore } from "../db/store.js";
import type { LinkedPlatform } from "../destinations/account-types.js";
import type { OAuthClient } from "./oauth-client.js";
import type { TokenKeeper } from "./token-keeper.js";
import { LinkError, TokenEndpointError } from "./errors.js";
import { newPkcePair, newState } from "./pkce.js";

export interface CallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
  result?: string | undefined;
}

/** The person pressed "Cancel" on the consent page: RFC 6749's access_denied, or the result=denied some platforms send instead. */
const cancelled = (query: CallbackQuery) => query.error === "access_denied" || query.result === "denied";

/** The callback failed after a good state: the browser goes back to the dashboard with this flag. */
export class LinkDeclined extends Error {
  constructor(
    readonly platform: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "LinkDeclined";
  }
}

const STATE_REFUSALS = {
  unknown: ["oauth_state_invalid", "This sign-in answer does not belong to a linking Prism started (its state is unknown), so it was refused. Start linking the account again from Prism."],
  expired: ["oauth_state_expired", "This account-linking link has expired. Start linking the account again from Prism and finish signing in within the time allowed."],
  used: ["oauth_state_used", "This account-linking link was already used. Start linking the account again from Prism."],
} as const;

/**
 * The two halves of linking an account: `start` makes the platform's authorize URL with a one-time
 * state (stored server-side with its expiry) and, where the platform supports it, a PKCE S256
 * challenge; `finish` takes the browser's return, checks the state, exchanges the code (with the
 * verifier), asks the platform who the account is, and stores it with its tokens encrypted.
 */
export class AccountLinking {
  constructor(
    private readonly deps: {
      states: OAuthStatesStore;
      accounts: AccountsStore;
      clients: ReadonlyMap<string, OAuthClient>;
      platforms: ReadonlyMap<string, LinkedPlatform>;
      keeper: TokenKeeper;
      stateTtlMs: number;
      redirectUri: (platform: string) => string;
      pkce: (platform: string) => boolean;
      log: Logger;
    },
  ) {}

  async start(platform: string): Promise<{ authorizeUrl: string; redirectUri: string; expiresAt: Date }> {
    const client = this.deps.clients.get(platform);
    if (!client) throw notConfigured(platform);
    const state = newState();
    const pkce = this.deps.pkce(platform) ? newPkcePair() : null;
    const redirectUri = this.deps.redirectUri(platform);
    const expiresAt = new Date(Date.now() + this.deps.stateTtlMs);
    await this.deps.states.create({ state, platform, codeVerifier: pkce?.verifier ?? null, redirectUri, expiresAt });
    return { authorizeUrl: client.authorizeUrl({ state, redirectUri, codeChallenge: pkce?.challenge ?? null }), redirectUri, expiresAt };
  }

  async finish(platform: string, query: CallbackQuery): Promise<AccountSummary> {
    // A cancel changes nothing, so it needs no state (some platforms send none); a state it does carry is spent.
    if (cancelled(query)) {
      if (query.state) await this.deps.states.consume(query.state);
      const label = this.deps.clients.get(platform)?.label ?? platform;
      throw new LinkDeclined(platform, "access_denied", `You cancelled linking ${label}; nothing was changed.`);
    }
    if (!query.state) throw new LinkError(400, "oauth_state_missing", "This sign-in answer carries no state, so Prism cannot tell it is the one it asked for. Start linking the account again from Prism.");
    const checked = await this.deps.states.consume(query.state);
    if (!checked.ok) {
      const [code, message] = STATE_REFUSALS[checked.reason];
      throw new LinkError(400, code, message);
    }
    if (checked.platform !== platform) throw new LinkError(400, "oauth_state_invalid", STATE_REFUSALS.unknown[1]);
    const client = this.deps.clients.get(platform);
    const linked = this.deps.platforms.get(platform);
    if (!client || !linked) throw notConfigured(platform);

    if (query.error) throw new LinkDeclined(platform, "authorization_failed", `${client.label} did not link the account: ${(query.error_description ?? query.error).slice(0, 200)}.`);
    if (!query.code) throw new LinkDeclined(platform, "authorization_failed", `${client.label} sent no authorization code back.`);

    let tokens;
    try {
      tokens = await client.exchange(query.code, checked.redirectUri, checked.codeVerifier);
    } catch (err) {
      const message = err instanceof TokenEndpointError ? err.message : `${client.label} could not complete the sign-in.`;
      this.deps.log.warn({ platform, reason: message }, "account linking failed at the token exchange");
      throw new LinkDeclined(platform, "token_exchange_failed", message);
    }
    let identity;
    try {
      identity = await linked.identify(this.deps.keeper.bareApi(platform, tokens.accessToken));
    } catch (err) {
      this.deps.log.warn({ platform, reason: (err as Error).message }, "account linking failed: the platform did not say who the account is");
      throw new LinkDeclined(platform, "identity_failed", (err as Error).message);
    }
    const account = await this.deps.accounts.link({ platform, ...identity, ...tokens });
    this.deps.log.info({ account: account.id, platform, displayName: account.displayName }, "account linked");
    const { accessToken: _a, refreshToken: _r, platformData: _d, ...summary } = account;
    return summary;
  }
}

function notConfigured(platform: string): LinkError {
  const env = `PRISM_${platform.toUpperCase()}`;
  return new LinkError(
    400,
    "platform_not_configured",
    `Linking ${platform} accounts needs Prism's own ${platform} app: set ${env}_CLIENT_ID and ${env}_CLIENT_SECRET (README → Accounts says how to get them) and restart Prism.`,
  );
}
