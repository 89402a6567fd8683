// A stream's destinations with their live health over SSE, and the form to add one.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, api, openFeed } from "./api.js";
import { useLoad, Action, Err } from "./ui.js";
import { TranscodeSettings } from "./transcode.js";
import { platformList, platformName } from "./platforms.js";
import { LivePreview } from "./preview.js";
import { Guard, ScopeNotice } from "./scope.js";
import { IngestBanner } from "./ingest.js";

/** Platforms whose destinations take a typed-in URL and key even with a linked account. */
const typedIngest = new Set(platformList.filter((p) => p.ingest === "typed").map((p) => p.id));

/** Samples kept per destination for the sparkline: one a second, the last five minutes. */
const HISTORY = 300;

function useHealth(streamId) {
  const [health, setHealth] = useState(null);
  const [connected, setConnected] = useState(false);
  const history = useRef(new Map());
  useEffect(() => {
    let source = null;
    let current = true;
    // The last five minutes Prism kept, so the sparklines start full; then the live feed adds to them.
    api("GET", `/streams/${streamId}/health/history`).catch(() => null).then((kept) => {
      if (!current) return;
      for (const d of kept?.destinations ?? []) history.current.set(d.id, d.samples.slice(-HISTORY));
      source = follow();
    });
    const follow = () => openFeed(`/api/v1/streams/${streamId}/health/stream`, {
      health: (h) => {
        for (const d of h.destinations) {
          const samples = history.current.get(d.id) ?? [];
          samples.push(d.state === "live" ? d.bitrateKbps : 0);
          if (samples.length > HISTORY) samples.shift();
          history.current.set(d.id, samples);
        }
        setConnected(true);
        setHealth(h);
      },
      end: () => source?.close(),
    }, { onState: (up) => !up && setConnected(false) });
    return () => {
      current = false;
      source?.close();
    };
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

/** Both encoders (primary and backup) and which one the destinations get. */
function Encoders({ health }) {
  const onAir = health.ingestState === "backup" ? "backup" : health.ingestState === "publisher" ? "primary" : null;
  return html`<ul class="encoders" aria-label="Encoders">
    ${["primary", "backup"].map((input) => {
      const e = health.ingest[input];
      const name = input === "primary" ? "Primary" : "Backup";
      const state = !e.connected ? "not connected" : onAir === input ? "on air" : "standby";
      return html`<li key=${input} data-testid=${`encoder-${input}`} class=${onAir === input ? "on-air" : ""}>
        <strong>${name}</strong> <span class="badge ${onAir === input ? "live" : "idle"}">${state}</span>
        ${e.connected && html` <span>${[e.codecs.video, e.codecs.audio].filter(Boolean).join("/")}${e.size ? ` ${e.size.width}×${e.size.height}` : ""} · ${Math.round(e.fps)} fps · ${Math.round(e.bitrateKbps)} kbps</span>`}
      </li>`;
    })}
  </ul>`;
}

export function StreamPage({ id }) {
  const [stream, streamError] = useLoad(() => api("GET", `/streams/${id}`), [id]);
  const [dests, destError, reload] = useLoad(() => api("GET", `/streams/${id}/destinations`), [id]);
  const { health, connected, history } = useHealth(id);
  const byId = new Map((health?.destinations ?? []).map((d) => [d.id, d]));
  return html`
    <p><a href="#/streams">← Streams</a></p>
    <h1>${stream?.name ?? "Stream"} <span class="sub">destinations</span></h1>
    <${ScopeNotice} />
    <${Err} error=${streamError || destError} />
    <${IngestBanner} health=${health} />
    <section class="card ingest" aria-label="Ingest">
      ${health?.ingest && html`<span>${health.ingest.width}×${health.ingest.height} · ${Math.round(health.ingest.fps)} fps · ${Math.round(health.ingest.bitrateKbps ?? 0)} kbps in</span>`}
      ${health?.ingest && html`<${Encoders} health=${health} />`}
      ${health?.live && html`<span data-testid="viewers-total" title="Live viewers, every platform's count added up">👁 ${health.viewers ? health.viewers.count.toLocaleString() : "–"} watching</span>`}
      ${health?.ingestWarnings?.map((w) => html`<span class="warnings" role="alert" data-testid="ingest-warning">${w}</span>`)}
      <span class=${`conn ${connected ? "on" : "off"}`} aria-live="polite">${connected ? "● updating live" : "○ reconnecting to Prism…"}</span>
    </section>
    <${LivePreview} streamId=${id} live=${!!health?.live} name=${stream?.name ?? "the stream"} />
    <ul class="cards">
      ${dests?.map((d) => html`<li key=${d.id}><${DestinationCard} streamId=${id} dest=${d} health=${byId.get(d.id)} samples=${history.get(d.id) ?? []} reload=${reload} /></li>`)}
    </ul>
    ${dests?.length === 0 && html`<p class="empty">No destination yet: add one below.</p>`}
    <${Guard}><${AddDestination} streamId=${id} onAdded=${reload} /></${Guard}>`;
}

/** Platforms whose folder provides a dashboard panel (their registry entry says `panel`), loaded once each. */
const PANELS = new Map();
const panelOf = (platform) => {
  if (!platformList.some((p) => p.id === platform && p.panel)) return null;
  if (!PANELS.has(platform)) PANELS.set(platform, import(`/assets/platforms/${encodeURIComponent(platform)}/panel.js`));
  return PANELS.get(platform);
};

/** The platform's own part of a destination's card (e.g. where its chat is read), if its folder has one. */
function PlatformPanel({ streamId, dest, onSaved }) {
  const [loaded, setLoaded] = useState(null);
  useEffect(() => {
    const pending = panelOf(dest.platform);
    if (!pending) return;
    let current = true;
    pending.then((module) => current && setLoaded({ Panel: module.Panel }), (error) => current && setLoaded({ error }));
    return () => void (current = false);
  }, [dest.platform]);
  if (loaded?.error) return html`<${Err} error=${`This platform's panel did not load: ${loaded.error.message}`} />`;
  return loaded ? html`<${loaded.Panel} streamId=${streamId} dest=${dest} onSaved=${onSaved} />` : null;
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
      <${Guard} className="row">
        <label class="switch"><input type="checkbox" role="switch" checked=${enabled} onChange=${toggle} /> ${enabled ? "Enabled" : "Disabled"}</label>
      </${Guard}>
      <div class="metrics">
        <${Sparkline} samples=${samples} label=${`Bitrate of ${dest.name} over the last minutes`} />
        <dl>
          <dt>Bitrate</dt><dd>${Math.round(health?.bitrateKbps ?? 0)} kbps</dd>
          <dt>FPS</dt><dd>${Math.round(health?.fps ?? 0)}</dd>
          <dt title="Drops after which this destination came back">Reconnects</dt><dd data-testid="reconnects">${health?.reconnects ?? 0}</dd>
          ${health?.attempt > 0 && html`<dt title="Retry number within this outage">Retry</dt><dd data-testid="attempt">#${health.attempt}</dd>`}
          ${health?.viewers && html`<dt>Viewers</dt><dd data-testid="viewers" title=${health.viewers.unavailable ?? `read at ${new Date(health.viewers.at).toLocaleTimeString()}`}>${"count" in health.viewers ? health.viewers.count.toLocaleString() : health.viewers.unavailable === "hidden" ? "hidden" : "n/a"}</dd>`}
          ${health?.nextRetryAt && html`<dt>Next try</dt><dd>${new Date(health.nextRetryAt).toLocaleTimeString()}</dd>`}
        </dl>
      </div>
      <${LastError} health=${health} />
      ${health?.warnings?.length > 0 && html`<ul class="warnings">${health.warnings.map((w) => html`<li>⚠ ${w}</li>`)}</ul>`}
      ${health?.transcode && html`<p class="hint">${health.transcode.mode === "transcode" ? `Re-encoding (${Math.round(health.transcode.fps ?? 0)} fps, ${Math.round(health.transcode.bitrateKbps ?? 0)} kbps)` : "Relayed as is"}</p>`}
      <${Guard}>
        <${PlatformPanel} streamId=${streamId} dest=${dest} onSaved=${reload} />
        <${TranscodeSettings} streamId=${streamId} dest=${dest} onSaved=${reload} />
        <div class="row">
          <${Action} className="danger" confirm=${`Remove ${dest.name}?`} run=${async () => {
            await api("DELETE", `/streams/${streamId}/destinations/${dest.id}`);
            reload();
          }}>Remove</${Action}>
        </div>
      </${Guard}>
      <${Err} error=${error} />
    </article>`;
}

/** The current problem in red; once the destination is fine again, the same error as history, with its time. */
function LastError({ health }) {
  if (!health?.lastError) return null;
  const at = health.lastErrorAt ? new Date(health.lastErrorAt).toLocaleTimeString() : "";
  return health.lastErrorCurrent
    ? html`<p class="error last-error" data-testid="last-error"><strong>Error${at && ` (${at})`}:</strong> ${health.lastError}</p>`
    : html`<p class="last-error history" data-testid="last-error"><strong>Earlier${at && `, at ${at}`}:</strong> ${health.lastError}</p>`;
}

function AddDestination({ streamId, onAdded }) {
  const [accounts] = useLoad(() => api("GET", "/accounts"));
  const [mode, setMode] = useState("custom");
  const [form, setForm] = useState({ name: "", url: "", streamKey: "", accountId: "" });
  const [error, setError] = useState("");
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const account = accounts?.find((a) => a.id === form.accountId);
  const needsUrl = mode === "custom" || typedIngest.has(account?.platform);
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
      <input id="dest-name" required=${mode === "custom"} maxlength="100" value=${form.name} onInput=${set("name")} placeholder="e.g. My channel" />
      ${needsUrl &&
      html`<label for="dest-url">Server URL</label>
        <input id="dest-url" required value=${form.url} onInput=${set("url")} placeholder="rtmp://live.example.com/app" inputmode="url" />
        <label for="dest-key">Stream key</label>
        <input id="dest-key" type="password" required autocomplete="off" value=${form.streamKey} onInput=${set("streamKey")} />`}
      ${mode === "account" && needsUrl && html`<p class="hint">${platformName(account?.platform)}: copy the server URL and key from its streaming settings. Once added, say on its card where its chat comes from.</p>`}
      <${Err} error=${error} />
      <button type="submit" class="primary">Add destination</button>
    </form>`;
}
