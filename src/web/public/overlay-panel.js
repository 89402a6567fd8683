// The chat overlay for OBS: Prism hands out its URL only when it makes one (it keeps no copy it could
// show again), so the panel says so, and making another one is what replaces a lost URL.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { Action, CopyButton } from "./ui.js";
import { Guard } from "./scope.js";

export function OverlayPanel({ streamId }) {
  const [overlay, setOverlay] = useState(null);
  const make = async () => setOverlay(await api("POST", `/streams/${streamId}/overlay-token`));
  // The URL names the address Prism advertises (the LAN one for OBS); the preview loads from where this page came from.
  const preview = overlay ? new URL(overlay.overlayUrl).pathname : null;
  return html`<section class="card overlay" aria-labelledby="overlay-title">
    <h2 id="overlay-title">Chat overlay for OBS</h2>
    <p class="hint">In OBS: Sources → + → Browser, paste the URL (width 500, height 700 works well). The URL shows only this stream's visible chat and nothing else.</p>
    ${overlay
      ? html`
        <label for="overlay-url">Overlay URL <span class="hint">(shown only now: copy it into OBS)</span></label>
        <div class="row">
          <input id="overlay-url" readonly value=${overlay.overlayUrl} onFocus=${(e) => e.currentTarget.select()} />
          <${CopyButton} text=${overlay.overlayUrl} label="Copy overlay URL" />
        </div>
        <div class="overlay-preview">
          <iframe title="Overlay preview" src=${preview} loading="lazy"></iframe>
        </div>
        <${Guard}><${Action} confirm="Make a new URL? The one in OBS stops working." run=${make}>Make a new URL (the old one stops working)</${Action}></${Guard}>`
      : html`
        <p class="hint">Prism shows an overlay URL only when it makes it. If OBS already has one from before, it keeps working until you make a new one here.</p>
        <${Guard}><${Action} className="primary" confirm="Make an overlay URL? One made before (if OBS has it) stops working." run=${make}>Create overlay URL</${Action}></${Guard}>`}
  </section>`;
}
