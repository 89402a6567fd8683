// What Prism receives: the latest keyframe as a picture, and a live player started on request.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./api.js";

/** As often as the server makes a new thumbnail (THUMBNAIL_REFRESH_MS): asking more often gets the same picture. */
const REFRESH_MS = 5_000;

/**
 * The stream's latest keyframe, refreshed while the stream is live and the page visible; nothing when
 * offline. Asked with ?quiet=1: no picture is a 204 (the image just hides), not a 404 the console logs.
 */
export function Thumbnail({ streamId, live, name, className = "thumb" }) {
  const [at, setAt] = useState(Date.now());
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => document.visibilityState === "visible" && setAt(Date.now()), REFRESH_MS);
    return () => clearInterval(timer);
  }, [live]);
  if (!live) return null;
  return html`<img class=${className} hidden=${!shown} alt=${`What ${name} is sending now`} src=${`/api/v1/streams/${streamId}/thumbnail.jpg?quiet=1&at=${at}`}
    onLoad=${() => setShown(true)} onError=${() => setShown(false)} />`;
}

/** mpegts.js is a UMD bundle, not a module: loaded once, as a script from /vendor, when a player first starts. */
let mpegtsLoading = null;
function loadMpegts() {
  mpegtsLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/vendor/mpegts.js";
    script.onload = () => (window.mpegts ? resolve(window.mpegts) : reject(new Error("the player library did not start")));
    script.onerror = () => {
      mpegtsLoading = null;
      reject(new Error("the player library did not load"));
    };
    document.head.append(script);
  });
  return mpegtsLoading;
}

const FAILURES = {
  503: "This stream already has as many preview players as Prism serves (4); close one elsewhere and try again.",
  404: "The stream is not live any more.",
  401: "Your session has ended; log in again.",
};

/**
 * The live preview: HTTP-FLV from /preview.flv played by mpegts.js through Media Source Extensions,
 * a second or two behind. It runs only while someone clicked Watch and the tab is visible, so a
 * page left open in the background costs Prism no reader.
 */
export function LivePreview({ streamId, live, name }) {
  const [watching, setWatching] = useState(false);
  const [status, setStatus] = useState("");
  const video = useRef(null);
  useEffect(() => {
    if (!watching || !live) return;
    let player = null;
    let stopped = false;
    const stop = () => {
      stopped = true;
      player?.destroy();
      player = null;
    };
    const onHidden = () => document.visibilityState === "hidden" && (stop(), setWatching(false), setStatus("Paused while the tab was hidden."));
    document.addEventListener("visibilitychange", onHidden);
    setStatus("Connecting…");
    loadMpegts().then(
      (mpegts) => {
        if (stopped) return;
        if (!mpegts.isSupported()) return setStatus("This browser cannot play the preview (no Media Source Extensions).");
        player = mpegts.createPlayer(
          { type: "flv", isLive: true, url: `/api/v1/streams/${streamId}/preview.flv` },
          // No worker (the CSP allows no blob: scripts); chase the live edge so the preview stays a second or two behind.
          { enableWorker: false, enableStashBuffer: false, liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 2, liveBufferLatencyMinRemain: 0.3, lazyLoad: false },
        );
        player.on(mpegts.Events.ERROR, (_type, _detail, info) => setStatus(FAILURES[info?.code] ?? `The preview stopped: ${info?.msg ?? _detail}.`));
        player.on(mpegts.Events.LOADING_COMPLETE, () => setStatus("The stream ended."));
        player.attachMediaElement(video.current);
        player.load();
        video.current.play()?.then(() => setStatus(""), () => setStatus("Press play to start the preview."));
      },
      (err) => setStatus(`The preview cannot start: ${err.message}.`),
    );
    return () => {
      document.removeEventListener("visibilitychange", onHidden);
      stop();
    };
  }, [watching, live, streamId]);

  return html`<section class="card preview" aria-label="Preview">
    <div class="row spread">
      <h2>Preview</h2>
      ${live && html`<button type="button" class=${watching ? "" : "primary"} onClick=${() => (setStatus(""), setWatching(!watching))}>${watching ? "Stop preview" : "▶ Watch live"}</button>`}
    </div>
    ${!live && html`<p class="hint">Offline: the preview shows what OBS sends once it publishes.</p>`}
    ${live && !watching && html`<${Thumbnail} streamId=${streamId} live=${live} name=${name} className="thumb large" />`}
    ${live && watching && html`<video ref=${video} class="player" muted playsinline controls aria-label=${`Live preview of ${name}`}></video>`}
    ${status && html`<p class="hint" role="status">${status}</p>`}
  </section>`;
}
