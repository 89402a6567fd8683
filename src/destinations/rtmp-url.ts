const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/;

/**
 * Checks a user-typed RTMP(S) server URL ("rtmp://host[:port]/app[/…]") and says what is wrong in
 * words a streamer understands. The stream key is separate and never part of this URL.
 */
export function checkRtmpUrl(raw: string): { ok: true; url: string } | { ok: false; message: string } {
  const input = raw.trim();
  if (CONTROL_OR_SPACE.test(input)) return { ok: false, message: "The URL must not contain spaces or control characters." };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, message: `"${input.slice(0, 200)}" is not a URL; expected rtmp://host/app or rtmps://host/app.` };
  }
  if (url.protocol !== "rtmp:" && url.protocol !== "rtmps:") {
    return { ok: false, message: `Only rtmp:// and rtmps:// URLs are supported, not ${url.protocol}//.` };
  }
  if (!url.hostname) return { ok: false, message: "The URL has no host name." };
  if (url.username || url.password) {
    return { ok: false, message: "Put credentials in the stream key, not in the URL: URLs are shown in the dashboard and logs." };
  }
  if (url.pathname.replace(/\//g, "") === "") {
    return { ok: false, message: "The URL needs an application path, e.g. rtmp://host/live (the stream key goes in its own field)." };
  }
  if (url.hash) return { ok: false, message: "The URL must not contain a #fragment." };
  return { ok: true, url: input.replace(/\/+$/, "") };
}

export function checkStreamKey(key: string): { ok: true } | { ok: false; message: string } {
  if (key.length === 0) return { ok: false, message: "The stream key is empty." };
  if (key.length > 1024) return { ok: false, message: "The stream key is longer than 1024 characters." };
  if (CONTROL_OR_SPACE.test(key)) return { ok: false, message: "The stream key must not contain spaces or control characters." };
  return { ok: true };
}
