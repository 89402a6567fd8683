// The dashboard's pages. Each loads what it shows from the REST API; the destination health is live over SSE.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, api, copyText } from "./api.js";

/** Load once (and again on reload()); errors shown in words. */
function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: "" });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((data) => live && setState({ data, error: "" }), (err) => live && setState({ data: undefined, error: err.message }));
    return () => (live = false);
  }, [...deps, n]);
  return [state.data, state.error, () => setN((x) => x + 1)];
}

/** A button that runs an async action, disables itself meanwhile and reports failures next to it. */
function Action({ run, children, className = "", label, confirm }) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState("");
  async function go() {
    setBusy(true);
    setError("");
    try {
      await run();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  }
  if (asking) {
    return html`<span class="confirm" role="group" aria-label=${confirm}>
      <span>${confirm}</span>
      <button type="button" class="danger" onClick=${go} disabled=${busy}>Yes</button>
      <button type="button" onClick=${() => setAsking(false)} ref=${(el) => el?.focus()}>Cancel</button>
    </span>`;
  }
  return html`<span class="action">
    <button type="button" class=${className} aria-label=${label} onClick=${() => (confirm ? setAsking(true) : go())} disabled=${busy}>${children}</button>
    ${error && html`<span class="error" role="alert">${error}</span>`}
  </span>`;
}

function CopyButton({ text, label }) {
  const [done, setDone] = useState(false);
  return html`<button type="button" aria-label=${label} onClick=${async () => {
    const value = typeof text === "function" ? await text() : text;
    setDone(await copyText(value));
    setTimeout(() => setDone(false), 1500);
  }}>${done ? "Copied" : "Copy"}</button>`;
}

const Err = ({ error }) => (error ? html`<p class="error" role="alert">${error}</p>` : null);

// ---------------------------------------------------------------- Streams

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
    <form class="card inline-form" onSubmit=${create}>
      <label for="new-stream">New stream</label>
      <input id="new-stream" value=${name} required maxlength="100" placeholder="e.g. Main" onInput=${(e) => setName(e.currentTarget.value)} />
      <button type="submit" class="primary">Create stream</button>
      <${Err} error=${formError} />
    </form>
    <${Err} error=${error} />
    ${streams?.length === 0 && html`<p class="empty">No stream yet: create one, then paste its server and key into OBS.</p>`}
    <ul class="cards">${streams?.map((s) => html`<li key=${s.id}><${StreamCard} stream=${s} reload=${reload} /></li>`)}</ul>`;
}

function StreamCard({ stream, reload }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(stream.name);
  const [key, setKey] = useState(null);
  const [error, setError] = useState("");
  const reveal = async () => (await api("POST", `/streams/${stream.id}/reveal-key`)).streamKey;
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
  async function toggleSlate(e) {
    try {
      await api("PATCH", `/streams/${stream.id}`, { slate: { enabled: e.currentTarget.checked } });
      reload();
    } catch (err) {
      setError(err.message);
    }
  }
  const keyId = `key-${stream.id}`;
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
        <a class="button primary" href=${`#/streams/${stream.id}`}>Destinations →</a>
      </div>
      <dl class="obs">
        <dt>Server</dt>
        <dd><code>${stream.ingestUrl}</code> <${CopyButton} text=${stream.ingestUrl} label=${`Copy server of ${stream.name}`} /></dd>
        ${stream.secureIngestUrl && html`<dt>Server (TLS)</dt><dd><code>${stream.secureIngestUrl}</code> <${CopyButton} text=${stream.secureIngestUrl} label="Copy RTMPS server" /></dd>`}
        <dt id=${keyId}>Stream key</dt>
        <dd>
          <code class="key" aria-labelledby=${keyId}>${key ?? stream.streamKey}</code>
          <button type="button" aria-label="Show stream key" aria-pressed=${key ? "true" : "false"} onClick=${async () => setKey(key ? null : await reveal().catch((err) => (setError(err.message), null)))}>${key ? "Hide" : "Show"}</button>
          <${CopyButton} text=${() => key ?? reveal()} label=${`Copy stream key of ${stream.name}`} />
          <${Action} confirm="Rotate the key? OBS stops working until you paste the new one." run=${async () => {
            const rotated = await api("POST", `/streams/${stream.id}/rotate-key`);
            setKey(rotated.streamKey);
          }}>Rotate key</${Action}>
        </dd>
      </dl>
      <div class="row">
        <label class="switch"><input type="checkbox" role="switch" checked=${stream.slate.enabled} onChange=${toggleSlate} /> Slate when the publisher drops (up to ${Math.round(stream.slate.maxSeconds / 60)} min)</label>
      </div>
      <div class="row">
        <button type="button" onClick=${() => setRenaming(true)}>Rename</button>
        <${Action} className="danger" confirm=${`Delete ${stream.name} and its destinations?`} run=${async () => {
          await api("DELETE", `/streams/${stream.id}`);
          reload();
        }}>Delete</${Action}>
      </div>
      <${Err} error=${error} />
    </article>`;
}

// ---------------------------------------------------------------- Destinations of a stream

/** Samples kept per destination for the sparkline: one a second, the last five minutes. */
const HISTORY = 300;

function useHealth(streamId) {
  const [health, setHealth] = useState(null);
  const [connected, setConnected] = useState(false);
  const history = useRef(new Map());
  useEffect(() => {
    const source = new EventSource(`/api/v1/streams/${streamId}/health/stream`);
    source.addEventListener("health", (e) => {
      const h = JSON.parse(e.data);
      for (const d of h.destinations) {
        const samples = history.current.get(d.id) ?? [];
        samples.push(d.state === "live" ? d.bitrateKbps : 0);
        if (samples.length > HISTORY) samples.shift();
        history.current.set(d.id, samples);
      }
      setConnected(true);
      setHealth(h);
    });
    source.addEventListener("end", () => source.close());
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [streamId]);
  return { health, connected, history: history.current };
}

function Sparkline({ samples, label }) {
  const w = 160;
  const hgt = 32;
  const max = Math.max(1, ...samples);
  const step = w / (HISTORY - 1);
  const offset = w - (samples.length - 1) * step;
  const points = samples.map((v, i) => `${(offset + i * step).toFixed(1)},${(hgt - 2 - (v / max) * (hgt - 4)).toFixed(1)}`).join(" ");
  return html`<svg class="spark" viewBox=${`0 0 ${w} ${hgt}`} width=${w} height=${hgt} role="img" aria-label=${label}>
    <polyline points=${points} fill="none" stroke="currentColor" stroke-width="1.5" />
  </svg>`;
}

const STATE_WORDS = {
  idle: "idle",
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  failed: "failed",
  stopped: "off",
};

export function StreamPage({ id }) {
  const [stream, streamError] = useLoad(() => api("GET", `/streams/${id}`), [id]);
  const [dests, destError, reload] = useLoad(() => api("GET", `/streams/${id}/destinations`), [id]);
  const { health, connected, history } = useHealth(id);
  const byId = new Map((health?.destinations ?? []).map((d) => [d.id, d]));
  return html`
    <p><a href="#/streams">← Streams</a></p>
    <h1>${stream?.name ?? "Stream"} <span class="sub">destinations</span></h1>
    <${Err} error=${streamError || destError} />
    <section class="card ingest" aria-label="Ingest">
      <span class=${`badge ${health?.live ? "live" : "idle"}`} data-testid="stream-state">${health ? (health.live ? (health.ingestState === "slate" ? "slate" : "live") : "offline") : "…"}</span>
      ${health?.ingest && html`<span>${health.ingest.width}×${health.ingest.height} · ${Math.round(health.ingest.fps)} fps · ${Math.round(health.ingest.bitrateKbps ?? 0)} kbps in</span>`}
      ${!health?.live && html`<span class="hint">Start streaming in OBS to go live on every enabled destination.</span>`}
      <span class=${`conn ${connected ? "on" : "off"}`} aria-live="polite">${connected ? "● updating live" : "○ reconnecting to Prism…"}</span>
    </section>
    <ul class="cards">
      ${dests?.map((d) => html`<li key=${d.id}><${DestinationCard} streamId=${id} dest=${d} health=${byId.get(d.id)} samples=${history.get(d.id) ?? []} reload=${reload} /></li>`)}
    </ul>
    ${dests?.length === 0 && html`<p class="empty">No destination yet: add one below.</p>`}
    <${AddDestination} streamId=${id} onAdded=${reload} />`;
}

function DestinationCard({ streamId, dest, health, samples, reload }) {
  const [enabled, setEnabled] = useState(dest.enabled);
  const [error, setError] = useState("");
  const state = health?.state ?? (dest.enabled ? "idle" : "stopped");
  async function toggle(e) {
    const next = e.currentTarget.checked;
    setEnabled(next);
    try {
      await api("PATCH", `/streams/${streamId}/destinations/${dest.id}`, { enabled: next });
    } catch (err) {
      setEnabled(!next);
      setError(err.message);
    }
  }
  return html`
    <article class="card dest" data-destination=${dest.name} aria-label=${`Destination ${dest.name}`}>
      <div class="row spread">
        <h2>${dest.name} <span class="platform">${dest.platform}${dest.accountId ? " · linked" : ""}</span></h2>
        <span class=${`badge ${state}`} data-testid="state" role="status">${STATE_WORDS[state] ?? state}</span>
      </div>
      <p class="url"><code>${dest.url ?? "URL from the linked account"}</code></p>
      <div class="row">
        <label class="switch"><input type="checkbox" role="switch" checked=${enabled} onChange=${toggle} /> ${enabled ? "Enabled" : "Disabled"}</label>
      </div>
      <div class="metrics">
        <${Sparkline} samples=${samples} label=${`Bitrate of ${dest.name} over the last minutes`} />
        <dl>
          <dt>Bitrate</dt><dd>${Math.round(health?.bitrateKbps ?? 0)} kbps</dd>
          <dt>FPS</dt><dd>${Math.round(health?.fps ?? 0)}</dd>
          <dt>Reconnects</dt><dd>${health?.reconnects ?? 0}</dd>
          ${health?.nextRetryAt && html`<dt>Next try</dt><dd>${new Date(health.nextRetryAt).toLocaleTimeString()}</dd>`}
        </dl>
      </div>
      ${health?.lastError && html`<p class="error last-error"><strong>Last error:</strong> ${health.lastError}</p>`}
      ${health?.warnings?.length > 0 && html`<ul class="warnings">${health.warnings.map((w) => html`<li>⚠ ${w}</li>`)}</ul>`}
      ${health?.transcode && html`<p class="hint">${health.transcode.mode === "transcode" ? `Re-encoding (${Math.round(health.transcode.fps ?? 0)} fps, ${Math.round(health.transcode.bitrateKbps ?? 0)} kbps)` : "Relayed as is"}</p>`}
      <div class="row">
        <${Action} className="danger" confirm=${`Remove ${dest.name}?`} run=${async () => {
          await api("DELETE", `/streams/${streamId}/destinations/${dest.id}`);
          reload();
        }}>Remove</${Action}>
      </div>
      <${Err} error=${error} />
    </article>`;
}

function AddDestination({ streamId, onAdded }) {
  const [accounts] = useLoad(() => api("GET", "/accounts"));
  const [mode, setMode] = useState("custom");
  const [form, setForm] = useState({ name: "", url: "", streamKey: "", accountId: "" });
  const [error, setError] = useState("");
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const account = accounts?.find((a) => a.id === form.accountId);
  const needsUrl = mode === "custom" || account?.platform === "x";
  async function submit(e) {
    e.preventDefault();
    setError("");
    const body =
      mode === "custom"
        ? { platform: "custom", name: form.name, url: form.url, streamKey: form.streamKey }
        : { platform: account?.platform, accountId: form.accountId, ...(form.name && { name: form.name }), ...(needsUrl && { url: form.url, streamKey: form.streamKey }) };
    try {
      await api("POST", `/streams/${streamId}/destinations`, body);
      setForm({ name: "", url: "", streamKey: "", accountId: "" });
      onAdded();
    } catch (err) {
      setError(err.message);
    }
  }
  return html`
    <form class="card add" onSubmit=${submit} aria-labelledby="add-title">
      <h2 id="add-title">Add a destination</h2>
      <fieldset class="row">
        <legend class="sr-only">Kind</legend>
        <label><input type="radio" name="mode" value="custom" checked=${mode === "custom"} onChange=${() => setMode("custom")} /> Custom RTMP(S) server</label>
        <label><input type="radio" name="mode" value="account" checked=${mode === "account"} onChange=${() => setMode("account")} /> Linked account</label>
      </fieldset>
      ${mode === "account" &&
      html`<label for="dest-account">Account</label>
        <select id="dest-account" required value=${form.accountId} onChange=${set("accountId")}>
          <option value="">Choose a linked account…</option>
          ${accounts?.map((a) => html`<option value=${a.id}>${a.platform}: ${a.displayName}${a.status === "needs_reconnect" ? " (needs reconnect)" : ""}</option>`)}
        </select>
        ${accounts?.length === 0 && html`<p class="hint">No linked account: connect one on the <a href="#/accounts">Accounts</a> page.</p>`}`}
      <label for="dest-name">Name${mode === "account" ? " (optional)" : ""}</label>
      <input id="dest-name" required=${mode === "custom"} maxlength="100" value=${form.name} onInput=${set("name")} placeholder="e.g. Twitch" />
      ${needsUrl &&
      html`<label for="dest-url">Server URL</label>
        <input id="dest-url" required value=${form.url} onInput=${set("url")} placeholder="rtmp://live.twitch.tv/app" inputmode="url" />
        <label for="dest-key">Stream key</label>
        <input id="dest-key" type="password" required autocomplete="off" value=${form.streamKey} onInput=${set("streamKey")} />`}
      <${Err} error=${error} />
      <button type="submit" class="primary">Add destination</button>
    </form>`;
}

// ---------------------------------------------------------------- Accounts

export function AccountsPage({ notice }) {
  const [platforms, pError] = useLoad(() => api("GET", "/accounts/platforms"));
  const [accounts, aError, reload] = useLoad(() => api("GET", "/accounts"));
  async function connect(platform) {
    const answer = await api("POST", `/accounts/${platform}/connect`);
    location.assign(answer.authorizeUrl);
  }
  return html`
    <h1>Accounts</h1>
    <p class="hint">Linked accounts let Prism fetch each platform's ingest URL and key at every go-live, set titles and read chat.</p>
    ${notice && html`<p class=${`card ${notice.ok ? "notice" : "error"}`} role="status">${notice.text}</p>`}
    <${Err} error=${pError || aError} />
    <ul class="cards">
      ${platforms?.map((p) => {
        const linked = accounts?.filter((a) => a.platform === p.platform) ?? [];
        return html`<li key=${p.platform}><article class="card" aria-labelledby=${`pf-${p.platform}`}>
          <div class="row spread">
            <h2 id=${`pf-${p.platform}`}>${p.displayName}</h2>
            ${p.configured
              ? html`<${Action} className="primary" run=${() => connect(p.platform)}>${linked.length ? "Connect another" : "Connect"}</${Action}>`
              : html`<span class="hint">Set PRISM_${p.platform.toUpperCase()}_CLIENT_ID and _CLIENT_SECRET to connect (redirect URI <code>${p.redirectUri}</code>).</span>`}
          </div>
          ${linked.length === 0 && html`<p class="empty">Not connected.</p>`}
          <ul class="accounts">
            ${linked.map((a) => html`<li key=${a.id} class=${a.status === "needs_reconnect" ? "needs-reconnect" : ""}>
              <strong>${a.displayName}</strong>
              ${a.status === "needs_reconnect"
                ? html`<span class="badge failed">needs reconnect</span> <span class="hint">${a.statusReason ?? ""}</span>
                    <${Action} className="primary" run=${() => connect(a.platform)}>Reconnect</${Action}>`
                : html`<span class="badge live">connected</span>`}
              <${Action} className="danger" confirm=${`Disconnect ${a.displayName}?`} run=${async () => {
                await api("DELETE", `/accounts/${a.id}`);
                reload();
              }}>Disconnect</${Action}>
            </li>`)}
          </ul>
        </article></li>`;
      })}
    </ul>`;
}

// ---------------------------------------------------------------- Webhooks

const EVENT_TYPES = ["stream.started", "stream.ended", "stream.ingest_lost", "stream.ingest_resumed", "destination.live", "destination.failed", "destination.recovered", "account.needs_reconnect", "comment.received"];

export function WebhooksPage() {
  const [hooks, error, reload] = useLoad(() => api("GET", "/webhooks"));
  const [created, setCreated] = useState(null);
  return html`
    <h1>Webhooks</h1>
    <${Err} error=${error} />
    ${created && html`<p class="card notice" role="status">Created. Its signing secret, shown only now: <code>${created.secret}</code> <${CopyButton} text=${created.secret} label="Copy signing secret" /></p>`}
    ${hooks?.length === 0 && html`<p class="empty">No webhook yet.</p>`}
    <ul class="cards">${hooks?.map((w) => html`<li key=${w.id}><${WebhookCard} hook=${w} reload=${reload} /></li>`)}</ul>
    <${AddWebhook} onAdded=${(w) => (setCreated(w), reload())} />`;
}

function WebhookCard({ hook, reload }) {
  const [deliveries, setDeliveries] = useState(null);
  const [open, setOpen] = useState(false);
  const load = async () => setDeliveries(await api("GET", `/webhooks/${hook.id}/deliveries?limit=20`));
  return html`<article class="card" aria-label=${`Webhook ${hook.description ?? hook.url ?? hook.ifttt?.event}`}>
    <h2>${hook.description ?? (hook.kind === "ifttt" ? `IFTTT: ${hook.ifttt?.event}` : hook.url)}</h2>
    <p class="url"><code>${hook.kind === "ifttt" ? `IFTTT ${hook.ifttt?.event}` : hook.url}</code></p>
    <p class="tags">${hook.events.map((e) => html`<span class="tag">${e}</span>`)}</p>
    <div class="row">
      <${Action} run=${async () => {
        await api("POST", `/webhooks/${hook.id}/test`, {});
        setOpen(true);
        await load();
      }}>Send test event</${Action}>
      <button type="button" aria-expanded=${open ? "true" : "false"} onClick=${async () => {
        setOpen(!open);
        if (!open) await load();
      }}>Delivery log</button>
      <${Action} className="danger" confirm="Delete this webhook?" run=${async () => {
        await api("DELETE", `/webhooks/${hook.id}`);
        reload();
      }}>Delete</${Action}>
    </div>
    ${open && deliveries &&
    html`<table class="deliveries">
      <caption class="sr-only">Latest deliveries</caption>
      <thead><tr><th>When</th><th>Event</th><th>Status</th><th>HTTP</th><th>Error</th><th></th></tr></thead>
      <tbody>
        ${deliveries.length === 0 && html`<tr><td colspan="6">Nothing delivered yet.</td></tr>`}
        ${deliveries.map((d) => html`<tr key=${d.id}>
          <td>${new Date(d.createdAt).toLocaleString()}</td>
          <td>${d.eventType}${d.test ? " (test)" : ""}</td>
          <td><span class=${`badge ${d.status === "delivered" ? "live" : d.status === "dead" ? "failed" : "connecting"}`}>${d.status}</span></td>
          <td>${d.lastStatusCode ?? "–"}</td>
          <td>${d.lastError ?? ""}</td>
          <td>${d.status === "dead" && html`<${Action} run=${async () => {
            await api("POST", `/webhooks/${hook.id}/deliveries/${d.id}/redeliver`);
            await load();
          }}>Redeliver</${Action}>`}</td>
        </tr>`)}
      </tbody>
    </table>`}
  </article>`;
}

function AddWebhook({ onAdded }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState(["stream.started", "stream.ended"]);
  const [error, setError] = useState("");
  async function submit(e) {
    e.preventDefault();
    setError("");
    try {
      const created = await api("POST", "/webhooks", { url, events, ...(description && { description }) });
      setUrl("");
      setDescription("");
      onAdded(created);
    } catch (err) {
      setError(err.message);
    }
  }
  return html`<form class="card add" onSubmit=${submit} aria-labelledby="wh-title">
    <h2 id="wh-title">Add a webhook</h2>
    <label for="wh-url">URL</label>
    <input id="wh-url" required inputmode="url" value=${url} onInput=${(e) => setUrl(e.currentTarget.value)} placeholder="https://hooks.zapier.com/…" />
    <label for="wh-desc">Description (optional)</label>
    <input id="wh-desc" maxlength="200" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)} />
    <fieldset class="events">
      <legend>Events</legend>
      ${EVENT_TYPES.map((t) => html`<label><input type="checkbox" checked=${events.includes(t)} onChange=${(e) => setEvents(e.currentTarget.checked ? [...events, t] : events.filter((x) => x !== t))} /> ${t}</label>`)}
    </fieldset>
    <${Err} error=${error} />
    <button type="submit" class="primary">Add webhook</button>
  </form>`;
}

// ---------------------------------------------------------------- Chat

/** The merged chat feed (issue #6) is being built in src/comments/; its page comes in the next slice. */
export function ChatPage() {
  return html`<h1>Chat</h1>
    <section class="card placeholder" aria-label="Chat (not built yet)">
      <p><strong>Not in this version of the dashboard yet.</strong> The merged chat of every platform, with filter/block/hide, a send box and the overlay URL, comes in the next slice.</p>
      <p class="hint">Meanwhile the API has it: <code>GET /api/v1/streams/{id}/comments/stream</code> (SSE) and the overlay page; see <a href="/api/v1/docs">the API reference</a>.</p>
    </section>`;
}
