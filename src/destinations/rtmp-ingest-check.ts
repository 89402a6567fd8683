import type { IngestCheck } from "./types.js";
import { checkRtmpUrl, checkStreamKey } from "./rtmp-url.js";

/**
 * The check every platform that takes a pasted server URL + stream key shares. `example` names
 * the platform's own server, so a mistyped URL gets a hint the streamer can copy.
 */
export function checkRtmpIngest(input: { url: string; streamKey: string }, example?: string): IngestCheck {
  const u = checkRtmpUrl(input.url);
  if (!u.ok) return { ok: false, message: example ? `${u.message} For example: ${example}` : u.message };
  const k = checkStreamKey(input.streamKey);
  if (!k.ok) return k;
  return { ok: true, url: u.url, streamKey: input.streamKey };
}
