// Streams: create, rename, delete, the OBS settings with reveal/copy, key rotation and the slate.
import { useEffect, useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Action, CopyButton, Err } from "./ui.js";
import { SlateSettings, formatMinutes } from "./slate.js";
import { TitleSettings } from "./title.js";
import { Thumbnail } from "./preview.js";
import { Guard, ScopeNotice } from "./scope.js";

export function StreamsPage() {
  const [streams, error, reload] = useLoad(() => api("GET", "/streams"));
  const [name, setName] = useState("");
  const [formError, setFormError] = useState("");
  async function create(e) {
    e.preventDefault();
    setFormError("");
    try {
      await api("POST", "/streams", { name });
      setName("");
      reload();
    } catch (err) {
      setFormError(err.message);
    }
  }
  return html`
    <h1>Streams</h1>
    <${ScopeNotice} />
    <form class="card inline-form" onSubmit=${create}>
      <${Guard} className="inline-form">
        <label for="new-stream">New stream</label>
        <input id="new-stream" value=${name} required maxlength="100" placeholder="e.g. Main" onInput=${(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="primary">Create stream</button>
      </${Guard}>
      <${Err} error=${formError} />
    </form>
    <${Err} error=${error} />
    ${streams?.length === 0 && html`<p class="empty">No stream yet: create one, then paste its server and key into OBS.</p>`}
    <ul class="cards">${streams?.map((s) => html`<li key=${s.id}><${StreamCard} stream=${s} reload=${reload} /></li>`)}</ul>`;
}

/** One of the stream's two keys: the main encoder's, or the backup encoder's (a second OBS publishing at the same time). */
function KeyRow({ stream, which, setError }) {
  const [key, setKey] = useState(null);
  const field = which === "primary" ? "streamKey" : "backupStreamKey";
  const what = which === "primary" ? "stream key" : "backup stream key";
  const reveal = async () => (await api("POST", `/streams/${stream.id}/reveal-key`))[field];
  const keyId = `${which}-key-${stream.id}`;
  const confirm =
    which === "primary"
      ? "Rotate the key? OBS stops working until you paste the new one."
      : "Rotate the backup key? The backup encoder stops working until you paste the new one.";
  return html`
    <dt id=${keyId}>${which === "primary" ? "Stream key" : "Backup stream key"}</dt>
    <dd>
      <code class=${which === "primary" ? "key" : "backup-key"} aria-labelledby=${keyId}>${key ?? stream[field]}</code>
      <${Guard} className="inline">
      <button type="button" aria-label=${`Show ${what}`} aria-pressed=${key ? "true" : "false"} onClick=${async () => setKey(key ? null : await reveal().catch((err) => (setError(err.message), null)))}>${key ? "Hide" : "Show"}</button>
      <${CopyButton} text=${() => key ?? reveal()} label=${`Copy ${what} of ${stream.name}`} />
      <${Action} confirm=${confirm} run=${async () => {
        const rotated = await api("POST", `/streams/${stream.id}/rotate-key`, { which });
        setKey(rotated[field]);
      }}>${which === "primary" ? "Rotate key" : "Rotate backup key"}</${Action}>
      </${Guard}>
      ${which === "backup" && html`<p class="hint">Optional: a second encoder (another OBS profile or machine) publishing to the same server with this key takes over if the main one drops or freezes.</p>`}
    </dd>`;
}

function StreamCard({ stream, reload }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(stream.name);
  const [error, setError] = useState("");
  async function rename(e) {
    e.preventDefault();
    try {
      await api("PATCH", `/streams/${stream.id}`, { name });
      setRenaming(false);
      reload();
    } catch (err) {
      setError(err.message);
    }
  }
  // The switch moves at once; a list reload still carrying the old value must not flip it back meanwhile.
  const [slateOn, setSlateOn] = useState(stream.slate.enabled);
  useEffect(() => setSlateOn(stream.slate.enabled), [stream.slate.enabled]);
  async function toggleSlate(e) {
    const next = e.currentTarget.checked;
    setSlateOn(next);
    try {
      await api("PATCH", `/streams/${stream.id}`, { slate: { enabled: next } });
      reload();
    } catch (err) {
      setSlateOn(!next);
      setError(err.message);
    }
  }
  return html`
    <article class="card stream" aria-labelledby=${`title-${stream.id}`}>
      <div class="row spread">
        ${renaming
          ? html`<form class="inline-form" onSubmit=${rename}>
              <label class="sr-only" for=${`name-${stream.id}`}>Stream name</label>
              <input id=${`name-${stream.id}`} value=${name} required maxlength="100" onInput=${(e) => setName(e.currentTarget.value)} ref=${(el) => el?.focus()} />
              <button type="submit" class="primary">Save</button>
              <button type="button" onClick=${() => (setRenaming(false), setName(stream.name))}>Cancel</button>
            </form>`
          : html`<h2 id=${`title-${stream.id}`}>${stream.name} <span class=${`badge ${stream.live ? "live" : "idle"}`}>${stream.live ? "live" : "offline"}</span></h2>`}
        <span class="row">
          <a class="button" href=${`#/chat/${stream.id}`}>Chat →</a>
          <a class="button" href=${`#/sessions/${stream.id}`}>Sessions →</a>
          <a class="button primary" href=${`#/streams/${stream.id}`}>Destinations →</a>
        </span>
      </div>
      <${Thumbnail} streamId=${stream.id} live=${stream.live} name=${stream.name} />
      <dl class="obs">
        <dt>Server</dt>
        <dd><code>${stream.ingestUrl}</code> <${CopyButton} text=${stream.ingestUrl} label=${`Copy server of ${stream.name}`} /></dd>
        ${stream.secureIngestUrl && html`<dt>Server (TLS)</dt><dd><code>${stream.secureIngestUrl}</code> <${CopyButton} text=${stream.secureIngestUrl} label="Copy RTMPS server" /></dd>`}
        <${KeyRow} stream=${stream} which="primary" setError=${setError} />
        <${KeyRow} stream=${stream} which="backup" setError=${setError} />
      </dl>
      <${Guard}>
      <div class="row">
        <label class="switch"><input type="checkbox" role="switch" checked=${slateOn} onChange=${toggleSlate} /> Slate when the publisher drops (up to ${formatMinutes(stream.slate.maxSeconds)})</label>
      </div>
      <${SlateSettings} stream=${stream} reload=${reload} />
      <${TitleSettings} stream=${stream} reload=${reload} />
      <div class="row">
        <button type="button" onClick=${() => setRenaming(true)}>Rename</button>
        <${Action} className="danger" confirm=${`Delete ${stream.name} and its destinations?`} run=${async () => {
          await api("DELETE", `/streams/${stream.id}`);
          reload();
        }}>Delete</${Action}>
      </div>
      </${Guard}>
      <${Err} error=${error} />
    </article>`;
}
