/** Where a post can be pasted from: X's web and mobile hosts, old and new. */
const HOSTS = new Set(["x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"]);
/** Post ids are 64-bit snowflakes: up to 20 digits. */
const POST_ID = /^\d{1,20}$/;
/** Enterprise broadcast ids, as X's Livestream API documents the path parameter. */
export const BROADCAST_ID = /^[a-zA-Z0-9]{1,13}$/;

export type PostRef = { ok: true; id: string } | { ok: false; message: string };

/**
 * The post id in what a streamer pastes: the address bar's https://x.com/<user>/status/<id> (or
 * twitter.com, mobile., /i/web/status/<id>, with ?s=… share suffixes) or the bare id.
 */
export function parsePostRef(input: string): PostRef {
  const value = input.trim();
  if (POST_ID.test(value)) return { ok: true, id: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: "give the post's address (https://x.com/<user>/status/<id>) or its numeric id" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, message: "the post's address must start with https://" };
  if (!HOSTS.has(url.hostname.toLowerCase())) return { ok: false, message: `${url.hostname} is not X: paste the post's address from x.com (https://x.com/<user>/status/<id>)` };
  const id = /^\/(?:[^/]+|i\/web|i)\/status(?:es)?\/(\d{1,20})(?:\/|$)/.exec(url.pathname)?.[1];
  if (!id) return { ok: false, message: "that x.com address is not a post: it should look like https://x.com/<user>/status/<id>" };
  return { ok: true, id };
}

/** A link that opens the post without knowing its author's handle. */
export const postUrl = (id: string) => `https://x.com/i/web/status/${id}`;
