import type { Context, MiddlewareHandler } from "hono";
import type { AdminToken } from "./admin-token.js";
import type { ApiToken, Scope } from "../db/tokens-repo.js";
import type { TokensStore } from "../db/store.js";
import { secretsEqual } from "../secrets/tokens.js";
import { errorBody } from "./errors.js";
import { API_PREFIX, isUnder } from "./paths.js";

/** What a dashboard session cookie comes to (web/session.ts reads it): its principal, or why it is refused. */
export type SessionResult = { id: string; principal: Principal } | { error: "csrf" } | { error: "ended" };

/** Who made a request: the admin token, or a named token with its scopes. */
export interface Principal {
  /** "admin" for the admin token, else the token's id (rate limits are kept per principal). */
  id: string;
  name: string;
  scopes: readonly Scope[];
}

export interface AuthEnv {
  Variables: { principal: Principal };
}

export const ADMIN_PRINCIPAL_ID = "admin";

/** Scopes nest: admin can do everything write can, write everything read can. moderate is outside the ladder. */
const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2, moderate: -1 };

export function hasScope(principal: Principal, needed: Scope): boolean {
  if (needed === "moderate") return principal.scopes.includes("moderate");
  return principal.scopes.some((s) => RANK[s] >= RANK[needed]);
}

/** Everything on a stream's chat, whatever the method: the feed, sending, hiding, blocks, filters and chat modes. */
const CHAT_PATH = new RegExp(`^${API_PREFIX}/streams/[^/]+/(?:comments|chat-filters|chat-blocks|chat-modes)(?:/.*)?$`);
/** What the Chat page reads besides the chat: the streams (to pick one) and their health. */
const MODERATOR_READS = new RegExp(`^${API_PREFIX}/streams(?:/[^/]+(?:/health(?:/stream)?)?)?$`);

/**
 * What a `moderate` token may do: the chat routes and reading streams and health. An allow-list, so a
 * route added later is closed to moderators until someone decides otherwise (the overlay token is
 * deliberately outside: rotating it would break the streamer's OBS scene).
 */
export function moderatorMay(method: string, path: string): boolean {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  if (CHAT_PATH.test(trimmed)) return true;
  return READ_METHODS.has(method.toUpperCase()) && MODERATOR_READS.test(trimmed);
}

/** The one access check: the scope the route needs, or the moderator's allow-list. */
export function mayAccess(principal: Principal, method: string, path: string, needed: Scope): boolean {
  return hasScope(principal, needed) || (principal.scopes.includes("moderate") && moderatorMay(method, path));
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The one rule for every route: reading needs read, changing needs write, token management needs admin. */
export function requiredScope(method: string, path: string): Scope {
  if (isUnder(path, `${API_PREFIX}/tokens`)) return "admin";
  return READ_METHODS.has(method.toUpperCase()) ? "read" : "write";
}

export interface Authenticator {
  principalFor(token: string): Promise<Principal | undefined>;
  /** The same, from the keyed hash a session keeps instead of the token (TokensRepo.hashOf). */
  principalForTokenHash(tokenHash: string): Promise<Principal | undefined>;
  hashOf(token: string): Promise<string>;
}

/** How often a named token's lastUsedAt is written: often enough to be useful, never a write per request. */
const TOUCH_INTERVAL_MS = 60_000;

export function createAuthenticator(admin: AdminToken, tokens: TokensStore): Authenticator {
  const touchedAt = new Map<string, number>();
  const adminPrincipal: Principal = { id: ADMIN_PRINCIPAL_ID, name: "admin", scopes: ["admin"] };
  const named = async (found: ApiToken | undefined): Promise<Principal | undefined> => {
    if (!found) return undefined;
    const now = Date.now();
    if (now - (touchedAt.get(found.id) ?? 0) >= TOUCH_INTERVAL_MS) {
      touchedAt.set(found.id, now);
      await tokens.touch(found.id, new Date(now));
    }
    return { id: found.id, name: found.name, scopes: found.scopes };
  };
  return {
    principalFor: async (token) => (admin.matches(token) ? adminPrincipal : named(await tokens.findByToken(token))),
    // The admin token's hash is taken afresh each time: after a rotation the old hash matches nothing.
    principalForTokenHash: async (hash) => (secretsEqual(hash, await tokens.hashOf(admin.value)) ? adminPrincipal : named(await tokens.findByHash(hash))),
    hashOf: (token) => tokens.hashOf(token),
  };
}

/**
 * `Authorization: Bearer <token>`, then the scope the request needs. Sets `principal` for what
 * comes after (rate limit, logs).
 */
export function requireToken(
  auth: Authenticator,
  scopeFor: (c: Context) => Scope,
  /** The dashboard's cookie session (src/web/session.ts), used only when no Authorization header is sent. */
  session?: (c: Context) => Promise<SessionResult | undefined>,
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token: string | undefined = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    let principal: Principal | undefined;
    if (!token && !header && session) {
      const fromCookie = await session(c);
      if (fromCookie && "error" in fromCookie && fromCookie.error === "csrf") {
        return c.json(errorBody("forbidden", "The dashboard session needs the X-CSRF-Token header (the prism_csrf cookie's value) on requests that change something. Reload the page."), 403);
      }
      if (fromCookie && "error" in fromCookie) {
        return c.json(errorBody("unauthorized", "The dashboard session has ended: you logged out, it expired, or its API token was deleted or rotated. Log in again."), 401);
      }
      principal = fromCookie?.principal;
    }
    if (!token && !principal) {
      c.header("WWW-Authenticate", 'Bearer realm="prism"');
      return c.json(
        errorBody("unauthorized", "Send an API token as 'Authorization: Bearer <token>'. Prism prints the admin token at start and keeps it in <data dir>/api-token."),
        401,
      );
    }
    principal ??= await auth.principalFor(token!);
    if (!principal) {
      c.header("WWW-Authenticate", 'Bearer realm="prism", error="invalid_token"');
      return c.json(errorBody("unauthorized", "The API token is not valid: it was mistyped, deleted or rotated."), 401);
    }
    const needed = scopeFor(c);
    if (!mayAccess(principal, c.req.method, c.req.path, needed)) {
      c.header("WWW-Authenticate", `Bearer realm="prism", error="insufficient_scope", scope="${needed}"`);
      return c.json(
        errorBody(
          "forbidden",
          `The token "${principal.name}" has the scope(s) ${principal.scopes.join(", ")}; ${c.req.method} ${c.req.path} needs ${needed}${principal.scopes.includes("moderate") ? " (a moderate token reaches only the stream chat routes and reading streams and health)" : ""}. Use a token with the ${needed} scope.`,
          { needed, granted: principal.scopes },
        ),
        403,
      );
    }
    c.set("principal", principal);
    await next();
  };
}
