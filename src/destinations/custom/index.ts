import type { PlatformAdapter } from "../types.js";
import { checkRtmpUrl, checkStreamKey } from "../rtmp-url.js";

/** Any RTMP(S) server: the streamer gives the server URL and the key. */
export const custom: PlatformAdapter = {
  id: "custom",
  displayName: "Custom RTMP(S)",
  limits: null,
  noViewerCount: "a custom RTMP(S) server tells Prism nothing about who watches",
  checkIngest({ url, streamKey }) {
    const u = checkRtmpUrl(url);
    if (!u.ok) return u;
    const k = checkStreamKey(streamKey);
    if (!k.ok) return k;
    return { ok: true, url: u.url, streamKey };
  },
};
