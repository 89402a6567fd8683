import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import type { Authenticator, Principal, SessionResult } from "../api/auth.js";
import type { SessionsStore } from "../db/store.js";

/**
 * The dashboard's login session. Logging in with an API token starts a server-side session
 * (SessionsRepo: only keyed hashes are stored); the HttpOnly, SameSite=Strict cookie (Secure over
 * HTTPS) holds a random session id, never the token. Every request re-checks the session row and
 * that its token still exists, so logging out, deleting or rotating the token, or the expiry ends
 * it at once. The CSRF token is derived from the session id (an HMAC keyed by it): a page echoes it
 * in X-CSRF-Token on every request that changes something, and one minted for another session
 * (a cookie-tossing attacker's own) never matches.
 */
export const SESSION_COOKIE = "prism_session";
export const CSRF_COOKIE = "prism_csrf";
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** A session lasts this long from login, whatever happens meanwhile; logging in again starts a new one. */
export const SESSION_LIFETIME_SEC = 7 * 24 * 3600;


export interface DashboardSessions {
  /** undefined: no session cookie (the caller asks for a Bearer token as before). */
  fromCookie(c: Context): Promise<SessionResult | undefined>;
  start(c: Context, token: string): Promise<void>;
  /** Ends the session server-side (when there is one) and clears the cookies. */
  end(c: Context): Promise<void>;
}

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

/** The CSRF token of one session: only who holds the session id (the HttpOnly cookie) can compute it. */
export function csrfTokenFor(sessionId: string): string {
  return createHmac("sha256", sessionId).update("prism-dashboard-csrf").digest("base64url");
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function dashboardSessions(repo: SessionsStore, auth: Authenticator): DashboardSessions {
  const cookieOptions = (c: Context) => ({ sameSite: "Strict" as const, secure: isHttps(c), path: "/" });
  return {
    async fromCookie(c) {
      const id = getCookie(c, SESSION_COOKIE);
      if (!id) return undefined;
      const stored = await repo.find(id);
      const principal = stored && (await auth.principalForTokenHash(stored.tokenHash));
      if (!principal) {
        // Its token was deleted or rotated after the last look: the row goes too.
        if (stored) await repo.end(id);
        return { error: "ended" };
      }
      if (SAFE_METHODS.has(c.req.method.toUpperCase())) return { id, principal };
      if (!sameSecret(c.req.header(CSRF_HEADER) ?? "", csrfTokenFor(id))) return { error: "csrf" };
      return { id, principal };
    },
    async start(c, token) {
      const { id } = await repo.create(await auth.hashOf(token), SESSION_LIFETIME_SEC * 1000);
      setCookie(c, SESSION_COOKIE, id, { ...cookieOptions(c), httpOnly: true, maxAge: SESSION_LIFETIME_SEC });
      setCookie(c, CSRF_COOKIE, csrfTokenFor(id), { ...cookieOptions(c), httpOnly: false, maxAge: SESSION_LIFETIME_SEC });
    },
    async end(c) {
      const id = getCookie(c, SESSION_COOKIE);
      if (id) await repo.end(id);
      deleteCookie(c, SESSION_COOKIE, { ...cookieOptions(c), httpOnly: true });
      deleteCookie(c, CSRF_COOKIE, cookieOptions(c));
    },
  };
}
