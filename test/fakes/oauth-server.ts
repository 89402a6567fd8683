import { createHash, randomBytes } from "node:crypto";
import type { FakeAnswer, FakeRequest } from "./http.js";

/**
 * RFC 6749 §5.1 successful token response, as Google, Twitch and TwitCasting send it (X's own shape
 * is twitter-api-v2's AccessOAuth2TokenResult). Twitch sends `scope` as an array.
 */
export interface OAuthTokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string | string[];
}

export interface FakeUser {
  id: string;
  login: string;
  displayName: string;
}

/** How a platform's authorization server behaves; each fake sets what its platform does. */
export interface OAuthDialect {
  clientId: string;
  clientSecret: string;
  /** "header": HTTP Basic (X); "body": client_id + client_secret form fields. */
  clientAuth: "body" | "header";
  pkce: "required" | "supported" | "none";
  accessTtlSec: number;
  refreshTokens: "rotate" | "keep" | "none";
  scopeFormat: "array" | "string" | "none";
  /** The platform's error answer at the token endpoint (bad code, bad refresh token, bad client). */
  tokenError(kind: "invalid_grant" | "invalid_client" | "invalid_request", description: string): FakeAnswer;
  tokenResponse(token: OAuthTokenResponse): unknown;
  /**
   * How "Cancel" on the consent page comes back: RFC 6749's error=access_denied with the state
   * (default), or TwitCasting's result=denied with no state at all.
   */
  denial?: "rfc6749" | "result-denied";
}

interface Grant {
  user: FakeUser;
  scopes: string[];
}

/**
 * The authorization-server half of a platform fake: authorize (checks client_id, redirect_uri,
 * state and the PKCE challenge, then signs `user` in at once), token (authorization_code with the
 * code_verifier check, refresh_token with rotation), revocation, and bearer-token lookup with
 * expiry. Tests steer it: who signs in, token lifetimes, expiring or revoking tokens.
 */
export class OAuthServer {
  /** Who signs in at the next authorize. */
  user: FakeUser;
  /** The redirect URIs registered for the app (set by the test to Prism's callback). */
  readonly redirectUris = new Set<string>();
  readonly counts = { authorize: 0, authorization_code: 0, refresh_token: 0, revoke: 0, refused: 0 };
  /** Every token ever issued, for leak checks. */
  readonly issued: string[] = [];
  /** The last authorize request's parameters, for assertions on state and PKCE. */
  lastAuthorize: URLSearchParams | null = null;
  /** Set to answer the next authorize with ?error=access_denied (the user clicked "Cancel"). */
  denyNext = false;

  private readonly codes = new Map<string, Grant & { redirectUri: string; challenge: string | null; expiresAt: number }>();
  private readonly access = new Map<string, Grant & { expiresAt: number }>();
  private readonly refresh = new Map<string, Grant>();

  constructor(
    readonly dialect: OAuthDialect,
    user: FakeUser,
  ) {
    this.user = user;
  }

  authorize(req: FakeRequest): FakeAnswer {
    this.counts.authorize += 1;
    const q = req.url.searchParams;
    this.lastAuthorize = q;
    const fail = (why: string): FakeAnswer => ({ status: 400, body: `authorize refused: ${why}` });
    if (q.get("response_type") !== "code") return fail("response_type must be code");
    if (q.get("client_id") !== this.dialect.clientId) return fail("unknown client_id");
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.redirectUris.has(redirectUri)) return fail(`redirect_uri ${redirectUri} is not registered`);
    const state = q.get("state");
    if (!state || state.length < 16) return fail("state missing or too short to be unguessable");
    const challenge = q.get("code_challenge");
    if (this.dialect.pkce === "required" && !challenge) return fail("code_challenge required");
    if (challenge && (q.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) return fail("code_challenge must be S256");
    if (this.dialect.pkce === "none" && challenge) return fail("PKCE not supported");
    const back = new URL(redirectUri);
    if (this.denyNext && this.dialect.denial === "result-denied") {
      this.denyNext = false;
      back.searchParams.set("result", "denied");
      return { status: 302, headers: { location: back.toString() } };
    }
    back.searchParams.set("state", state);
    if (this.denyNext) {
      this.denyNext = false;
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "The user denied you access");
      return { status: 302, headers: { location: back.toString() } };
    }
    const code = randomBytes(16).toString("hex");
    const scopes = (q.get("scope") ?? "").split(" ").filter(Boolean);
    this.codes.set(code, { user: this.user, scopes, redirectUri, challenge, expiresAt: Date.now() + 60_000 });
    back.searchParams.set("code", code);
    return { status: 302, headers: { location: back.toString() } };
  }

  token(req: FakeRequest): FakeAnswer {
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return this.refuse("invalid_request", "the token endpoint takes a form body");
    }
    const form = req.form();
    if (!this.clientAuthenticated(req, form)) return this.refuse("invalid_client", "client authentication failed");
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      this.counts.authorization_code += 1;
      const code = this.codes.get(form.get("code") ?? "");
      this.codes.delete(form.get("code") ?? "");
      if (!code || code.expiresAt < Date.now()) return this.refuse("invalid_grant", "Invalid authorization code");
      if (form.get("redirect_uri") !== code.redirectUri) return this.refuse("invalid_grant", "redirect_uri does not match the authorize request");
      if (code.challenge !== null) {
        const verifier = form.get("code_verifier") ?? "";
        if (createHash("sha256").update(verifier).digest("base64url") !== code.challenge) return this.refuse("invalid_grant", "code_verifier does not match the code_challenge");
      }
      return this.issue(code, true);
    }
    if (grantType === "refresh_token") {
      this.counts.refresh_token += 1;
      const token = form.get("refresh_token") ?? "";
      const grant = this.refresh.get(token);
      if (!grant) return this.refuse("invalid_grant", "Invalid refresh token");
      if (this.dialect.refreshTokens === "rotate") this.refresh.delete(token);
      return this.issue(grant, this.dialect.refreshTokens === "rotate");
    }
    return this.refuse("invalid_request", `unsupported grant_type ${grantType}`);
  }

  /** RFC 7009: unknown tokens are answered 200 too. Revoking either token ends the whole grant. */
  revoke(req: FakeRequest, token = req.form().get("token") ?? ""): FakeAnswer {
    this.counts.revoke += 1;
    const grant = this.access.get(token) ?? this.refresh.get(token);
    if (grant) this.revokeUser(grant.user.id);
    return { status: 200 };
  }

  /** The user behind a bearer token, or why not. */
  authenticate(token: string | undefined): { ok: true; user: FakeUser; scopes: string[]; expiresInSec: number } | { ok: false } {
    const grant = token === undefined ? undefined : this.access.get(token);
    if (!grant || grant.expiresAt <= Date.now()) return { ok: false };
    return { ok: true, user: grant.user, scopes: grant.scopes, expiresInSec: Math.max(0, Math.floor((grant.expiresAt - Date.now()) / 1000)) };
  }

  /** Every access token stops working now (expired on the platform's side, before Prism expects it). */
  invalidateAccessTokens(): void {
    this.access.clear();
  }

  /** The user removed the app: access and refresh tokens stop working. */
  revokeUser(userId: string): void {
    for (const [t, g] of this.access) if (g.user.id === userId) this.access.delete(t);
    for (const [t, g] of this.refresh) if (g.user.id === userId) this.refresh.delete(t);
  }

  /** Tokens for a user without the browser dance, for tests that start from a linked account. */
  grant(user: FakeUser = this.user, scopes: string[] = []): OAuthTokenResponse {
    return this.mint({ user, scopes }, true);
  }

  private issue(grant: Grant, newRefreshToken: boolean): FakeAnswer {
    return { status: 200, body: this.dialect.tokenResponse(this.mint(grant, newRefreshToken)), headers: { "cache-control": "no-store" } };
  }

  private mint(grant: Grant, newRefreshToken: boolean): OAuthTokenResponse {
    const accessToken = `at_${randomBytes(18).toString("hex")}`;
    this.issued.push(accessToken);
    this.access.set(accessToken, { ...grant, expiresAt: Date.now() + this.dialect.accessTtlSec * 1000 });
    const response: OAuthTokenResponse = { access_token: accessToken, token_type: "bearer", expires_in: this.dialect.accessTtlSec };
    if (this.dialect.refreshTokens !== "none" && newRefreshToken) {
      const refreshToken = `rt_${randomBytes(18).toString("hex")}`;
      this.issued.push(refreshToken);
      this.refresh.set(refreshToken, grant);
      response.refresh_token = refreshToken;
    }
    if (this.dialect.scopeFormat === "array") response.scope = grant.scopes;
    if (this.dialect.scopeFormat === "string") response.scope = grant.scopes.join(" ");
    return response;
  }

  private clientAuthenticated(req: FakeRequest, form: URLSearchParams): boolean {
    if (this.dialect.clientAuth === "header") {
      const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const expected = Buffer.from(`${encodeURIComponent(this.dialect.clientId)}:${encodeURIComponent(this.dialect.clientSecret)}`).toString("base64");
      return basic === expected;
    }
    return form.get("client_id") === this.dialect.clientId && form.get("client_secret") === this.dialect.clientSecret;
  }

  private refuse(kind: "invalid_grant" | "invalid_client" | "invalid_request", description: string): FakeAnswer {
    this.counts.refused += 1;
    return this.dialect.tokenError(kind, description);
  }
}
