import { PlatformRefused, PlatformUnavailable } from "./account-types.js";

/**
 * Turns a platform's answer into its JSON body, or into an error a streamer can act on: 4xx is the
 * platform refusing (retrying will not help), 5xx and 429 are passing trouble (retry later).
 * `message` picks the platform's own words out of its error body.
 */
export async function readJson<T>(res: Response, platform: string, what: string, message: (body: any) => string | undefined): Promise<T> {
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok) {
    if (body === undefined && text) throw new PlatformUnavailable(`${platform} answered ${what} with something that is not JSON.`);
    return body as T;
  }
  const said = (body !== undefined && message(body)) || `HTTP ${res.status}`;
  if (res.status >= 500 || res.status === 429) throw new PlatformUnavailable(`${platform} could not ${what} right now (${said}); Prism will try again.`);
  throw new PlatformRefused(`${platform} refused to ${what}: ${said}.`);
}

/** Joins a base URL (no trailing slash) and a path with its query. */
export const endpoint = (base: string, path: string, query: Record<string, string> = {}) => {
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
};
