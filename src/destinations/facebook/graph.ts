import type { AccountApi } from "../account-types.js";
import { PlatformRefused, PlatformUnavailable } from "../account-types.js";
import { endpoint } from "../platform-http.js";

/** Graph API errors: {"error":{"message","type","code","error_subcode","fbtrace_id"}}. */
export interface GraphErrorBody {
  error?: { message?: string; type?: string; code?: number; error_subcode?: number; fbtrace_id?: string };
}

/** Codes Facebook uses for "too many calls" (app, user, page and business-use-case limits). */
const RATE_LIMITS = new Set([4, 17, 32, 613, 80001]);
/** "API Unknown" and "API Service": Facebook's own passing trouble. */
const TEMPORARY = new Set([1, 2]);
/** The token is invalid, expired or its app was removed (OAuthException). */
const TOKEN_DEAD = 190;
/** The longest a Graph call may take. */
const TIMEOUT_MS = 15_000;

/** Facebook asked Prism to slow down (a Graph rate limit): passing trouble, but to be waited out. */
export class GraphRateLimited extends PlatformUnavailable {
  override readonly name = "GraphRateLimited";
}

/** A Page the linked account manages, with the Page token its live videos and comments need. */
export interface Page {
  id: string;
  name: string;
  token: string;
}

/**
 * One Graph API call, signed with the account's user token (`api.fetch`), or with a Page token
 * when `page` is given (a Page's live videos and comments need the Page's own token). Answers the
 * JSON body, or throws what the streamer can act on: a dead token marks the account for
 * reconnecting, a rate limit is GraphRateLimited, other refusals PlatformRefused.
 */
export async function graph<T>(
  api: AccountApi,
  apiUrl: string,
  what: string,
  path: string,
  init: { method?: "GET" | "POST" | "DELETE"; query?: Record<string, string>; form?: Record<string, string>; page?: Page } = {},
): Promise<T> {
  const url = endpoint(apiUrl, path, init.query);
  const request: RequestInit = {
    method: init.method ?? "GET",
    ...(init.form && { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(init.form).toString() }),
  };
  const res = init.page ? await pageFetch(init.page, url, request) : await api.fetch(url, request);
  const text = await res.text();
  let body: (T & GraphErrorBody) | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok && body !== undefined && !body.error) return body;
  const error = body?.error;
  const said = error?.message?.slice(0, 300) ?? `HTTP ${res.status}`;
  if (error?.code === TOKEN_DEAD || res.status === 401) {
    const reason = `Facebook refused the ${init.page ? `token of the Page ${init.page.name}` : "account's token"} (${said})`;
    throw api.tokenRefused?.(reason) ?? new PlatformRefused(`${reason}: connect the account again.`);
  }
  if ((error?.code !== undefined && RATE_LIMITS.has(error.code)) || res.status === 429) {
    throw new GraphRateLimited(`Facebook's rate limit is reached (${said}); Prism will try again later.`);
  }
  if (res.status >= 500 || (error?.code !== undefined && TEMPORARY.has(error.code)) || (res.ok && !error)) {
    throw new PlatformUnavailable(`Facebook could not ${what} right now (${res.ok && !error ? "its answer was not JSON" : said}); Prism will try again.`);
  }
  throw new PlatformRefused(`Facebook refused to ${what}: ${said}.`);
}

/** A request signed with a Page token (api.fetch signs with the user's). */
async function pageFetch(page: Page, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${page.token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new PlatformUnavailable(`Could not reach Facebook (${new URL(url).host}): ${cause === "TimeoutError" ? `no answer within ${TIMEOUT_MS} ms` : cause}. Prism will try again.`);
  }
}
