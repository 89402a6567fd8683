import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";

/**
 * The dashboard's login session: the API token the user typed, kept in an HttpOnly, SameSite=Strict
 * cookie (Secure over HTTPS) so page scripts never hold it; plus a double-submit CSRF token in a
 * readable cookie that the page echoes in the X-CSRF-Token header on every request that changes
 * something. The API accepts the session cookie only with that header for non-GET requests.
 */
export const SESSION_COOKIE = "prism_session";
export const CSRF_COOKIE = "prism_csrf";
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** A session lasts at most this long; logging in again starts a new one. */
const MAX_AGE_SEC = 7 * 24 * 3600;

export type SessionResult = { token: string } | { error: "csrf" };

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** undefined: no session cookie (the caller asks for a Bearer token as before). */
export function sessionFromCookie(c: Context): SessionResult | undefined {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return undefined;
  if (SAFE_METHODS.has(c.req.method.toUpperCase())) return { token };
  const cookie = getCookie(c, CSRF_COOKIE) ?? "";
  const header = c.req.header(CSRF_HEADER) ?? "";
  if (cookie.length < 16 || !sameSecret(cookie, header)) return { error: "csrf" };
  return { token };
}

export function startSession(c: Context, token: string): string {
  const csrf = randomBytes(24).toString("base64url");
  const secure = isHttps(c);
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: "Strict", secure, path: "/", maxAge: MAX_AGE_SEC });
  setCookie(c, CSRF_COOKIE, csrf, { httpOnly: false, sameSite: "Strict", secure, path: "/", maxAge: MAX_AGE_SEC });
  return csrf;
}

export function endSession(c: Context): void {
  const secure = isHttps(c);
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure, sameSite: "Strict", httpOnly: true });
  deleteCookie(c, CSRF_COOKIE, { path: "/", secure, sameSite: "Strict" });
}
