import type { AccountApi } from "../account-types.js";
import { ChatSlowDown } from "../chat-loop.js";
import { endpoint, readJson } from "../platform-http.js";

/** Kick's public API answers `{ data, message }`; its errors carry the reason in `message`. */
export const kickMessage = (body: { message?: string; error?: string }) => body.message ?? body.error;

export interface KickCall {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  query?: Record<string, string>;
  body?: unknown;
  /** A 429 is Kick's rate limit: thrown as ChatSlowDown (readers wait) instead of PlatformUnavailable. */
  slowDown?: boolean;
}

/** One call to Kick's public API (https://api.kick.com/public/v1) with the account's token. */
export async function kickCall<T>(api: AccountApi, apiUrl: string, what: string, path: string, call: KickCall = {}): Promise<T> {
  const res = await api.fetch(endpoint(apiUrl, path, call.query), {
    method: call.method ?? "GET",
    headers: { Accept: "application/json", ...(call.body !== undefined && { "Content-Type": "application/json" }) },
    ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
  });
  if (call.slowDown && res.status === 429) {
    await res.body?.cancel();
    throw new ChatSlowDown("Kick's rate limit is reached", retryAfterMs(res));
  }
  // 204: PATCH /channels and DELETE answer without a body.
  if (res.status === 204) return undefined as T;
  return readJson<T>(res, "Kick", what, kickMessage);
}

function retryAfterMs(res: Response): number | undefined {
  const seconds = Number(res.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Kick's user and broadcaster ids are numbers; Prism keeps them as strings. */
export function kickUserId(id: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`not a Kick user id: ${id}`);
  return n;
}
