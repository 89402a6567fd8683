// Webhooks: list, add, test-fire and the delivery log.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Action, CopyButton, Err } from "./ui.js";
import { Guard, ScopeNotice } from "./scope.js";

const EVENT_TYPES = ["stream.started", "stream.ended", "stream.ingest_lost", "stream.ingest_resumed", "destination.live", "destination.failed", "destination.recovered", "account.needs_reconnect", "comment.received", "event.scheduled", "event.starting_soon", "event.started", "event.cancelled", "event.missed"];

export function WebhooksPage() {
  const [hooks, error, reload] = useLoad(() => api("GET", "/webhooks"));
  const [created, setCreated] = useState(null);
  return html`
    <h1>Webhooks</h1>
    <${ScopeNotice} />
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
      <${Guard} className="inline"><${Action} run=${async () => {
        await api("POST", `/webhooks/${hook.id}/test`, {});
        setOpen(true);
        await load();
      }}>Send test event</${Action}></${Guard}>
      <button type="button" aria-expanded=${open ? "true" : "false"} onClick=${async () => {
        setOpen(!open);
        if (!open) await load();
      }}>Delivery log</button>
      <${Guard} className="inline"><${Action} className="danger" confirm="Delete this webhook?" run=${async () => {
        await api("DELETE", `/webhooks/${hook.id}`);
        reload();
      }}>Delete</${Action}></${Guard}>
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
          <td>${d.status === "dead" && html`<${Guard} className="inline"><${Action} run=${async () => {
            await api("POST", `/webhooks/${hook.id}/deliveries/${d.id}/redeliver`);
            await load();
          }}>Redeliver</${Action}></${Guard}>`}</td>
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
    <${Guard}>
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
    </${Guard}>
  </form>`;
}
