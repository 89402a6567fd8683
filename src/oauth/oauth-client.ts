import type { AuthorizationCode, AccessToken } from "simple-oauth2";
import { lazyModule } from "../core/lazy-module.js";
import type { PlatformSettings } from "../destinations/platform-config.js";
import type { OAuthProfile } from "../destinations/account-types.js";
import type { TokenSet } from "../db/accounts-repo.js";
import { TokenEndpointError } from "./errors.js";

/**
 * One platform's OAuth 2.0 client (simple-oauth2): the authorize URL, the code exchange, refresh and
 * revocation, in the dialect the platform's profile describes. It returns plain token sets and
 * throws TokenEndpointError with the platform's own words, never the tokens.
 */
/** ~10 MiB once loaded (with wreck and joi): only a relay with a platform's OAuth settings needs it. */
const simpleOAuth2 = lazyModule<typeof import("simple-oauth2")>(import.meta.url, "simple-oauth2");

export class OAuthClient {
  private readonly client: AuthorizationCode;

  constructor(
    readonly label: string,
    private readonly profile: OAuthProfile,
    settings: PlatformSettings & { clientId: string; clientSecret: string },
    private readonly timeoutMs: number,
  ) {
    // simple-oauth2 resolves paths against the host, so a base URL's own path is folded into them.
    const auth = new URL(settings.authUrl);
    const token = new URL(settings.tokenUrl);
    const under = (base: URL, path: string) => `${base.pathname.replace(/\/+$/, "")}${path}`;
    this.client = new (simpleOAuth2().AuthorizationCode)({
      client: { id: settings.clientId, secret: settings.clientSecret },
      auth: {
        authorizeHost: auth.origin,
        authorizePath: under(auth, profile.authorizePath),
        tokenHost: token.origin,
        tokenPath: under(token, profile.tokenPath),
        ...(profile.revokePath && { revokePath: under(token, profile.revokePath) }),
      },
      options: { authorizationMethod: profile.clientAuth, bodyFormat: "form" },
    });
  }

  get canRevoke(): boolean {
    return this.profile.revokePath !== undefined;
  }

  authorizeUrl(input: { state: string; redirectUri: string; codeChallenge: string | null }): string {
    const params: Record<string, string | string[]> = {
      redirect_uri: input.redirectUri,
      state: input.state,
      ...this.profile.authorizeParams,
      ...(input.codeChallenge && { code_challenge: input.codeChallenge, code_challenge_method: "S256" }),
    };
    if (this.profile.scopes.length > 0) params.scope = [...this.profile.scopes];
    return this.client.authorizeURL(params as Parameters<AuthorizationCode["authorizeURL"]>[0]);
  }

  async exchange(code: string, redirectUri: string, codeVerifier: string | null): Promise<TokenSet> {
    const params = { code, redirect_uri: redirectUri, ...(codeVerifier && { code_verifier: codeVerifier }) };
    const token = await this.attempt("exchange the sign-in code", () => this.client.getToken(params, { timeout: this.timeoutMs }));
    const swap = this.profile.exchangeGrant;
    if (!swap) return tokenSet(token);
    // simple-oauth2 lets a parameter replace its grant_type: the same client, endpoint and client authentication.
    const longer = { grant_type: swap.grantType, [swap.tokenField]: token.token.access_token } as unknown as Parameters<AuthorizationCode["getToken"]>[0];
    return tokenSet(await this.attempt("exchange the token for a long-lived one", () => this.client.getToken(longer, { timeout: this.timeoutMs })));
  }

  /** A new access token; platforms that rotate refresh tokens  hand out a new one too. */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const current = this.client.createToken({ access_token: "", refresh_token: refreshToken });
    return tokenSet(await this.attempt("refresh the access token", () => current.refresh({}, { timeout: this.timeoutMs })));
  }

  async revoke(token: string, kind: "access_token" | "refresh_token"): Promise<void> {
    const holder = this.client.createToken({ access_token: token, refresh_token: token });
    // Some platforms answer a revocation with 200 and an empty body: JSON only when the platform says JSON.
    await this.attempt("revoke Prism's access", () => holder.revoke(kind, { timeout: this.timeoutMs, json: true }));
  }

  private async attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw describeFailure(this.label, what, err);
    }
  }
}

/** simple-oauth2 (through wreck) fails with a Boom error carrying the platform's status and parsed body. */
function describeFailure(label: string, what: string, err: unknown): TokenEndpointError {
  const e = err as { output?: { statusCode?: number }; data?: { payload?: unknown; isResponseError?: boolean }; code?: string; message?: string };
  if (!e?.data?.isResponseError) {
    const cause = e?.code ?? e?.message ?? String(err);
    return new TokenEndpointError(`Could not reach ${label} to ${what} (${cause}).`, undefined);
  }
  const status = e.output?.statusCode;
  const said = platformWords(e.data.payload);
  return new TokenEndpointError(`${label} refused to ${what}${said ? `: ${said}` : ` (HTTP ${status})`}.`, status);
}

/** The human part of an OAuth error body: RFC 6749's error_description, a platform's own message, or the error code. */
function platformWords(payload: unknown): string | undefined {
  let body = payload;
  if (Buffer.isBuffer(body)) {
    try {
      body = JSON.parse(body.toString("utf8"));
    } catch {
      return undefined;
    }
  }
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as { error_description?: unknown; message?: unknown; error?: unknown };
  // Some platforms nest their words: {"error":{"message":"…","code":100}}.
  const nested = typeof b.error === "object" && b.error !== null ? (b.error as { message?: unknown }).message : undefined;
  const text = [b.error_description, b.message, b.error, nested].find((v) => typeof v === "string" && v.length > 0) as string | undefined;
  return text?.slice(0, 300);
}

function tokenSet(token: AccessToken): TokenSet {
  const t = token.token as { access_token?: unknown; refresh_token?: unknown; expires_at?: unknown; scope?: unknown };
  if (typeof t.access_token !== "string" || t.access_token.length === 0) throw new TokenEndpointError("The platform answered without an access token.", 502);
  const expiresAt = t.expires_at instanceof Date && !Number.isNaN(t.expires_at.getTime()) ? t.expires_at : null;
  // Some platforms send scope as an array, RFC 6749 as a space-separated string.
  const scopes = Array.isArray(t.scope) ? t.scope.map(String) : typeof t.scope === "string" && t.scope ? t.scope.split(/[ ,]+/) : [];
  return { accessToken: t.access_token, refreshToken: typeof t.refresh_token === "string" && t.refresh_token ? t.refresh_token : null, expiresAt, scopes };
}
