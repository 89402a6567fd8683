// The event log: what Prism announced (to webhooks, Zapier, IFTTT), newest first, by type.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Err, formatTime } from "./ui.js";

/** What one event says, in a line: the fields a person looks for first, whatever the type. */
function summary(data) {
  const parts = [];
  for (const key of ["streamName", "name", "destinationName", "platform", "reason", "error", "text"]) {
    if (typeof data?.[key] === "string" && data[key]) parts.push(data[key]);
  }
  return parts.join(" · ");
}

export function EventLogPage() {
  const [types] = useLoad(() => api("GET", "/events/types"));
  const [type, setType] = useState("");
  const [limit, setLimit] = useState(50);
  const [events, error, reload] = useLoad(() => api("GET", `/events?limit=${limit}${type ? `&type=${encodeURIComponent(type)}` : ""}`), [type, limit]);
  const [open, setOpen] = useState(null);
  return html`
    <h1>Events</h1>
    <p class="hint">What Prism announced to webhooks, newest first: the same events <code>GET /api/v1/events</code> lists.</p>
    <form class="row card event-filter" onSubmit=${(e) => e.preventDefault()} aria-label="Filter events">
      <label for="event-type">Type</label>
      <select id="event-type" value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
        <option value="">All types</option>
        ${types?.map((t) => html`<option value=${t.type}>${t.type}</option>`)}
      </select>
      <label for="event-limit">Show</label>
      <select id="event-limit" value=${limit} onChange=${(e) => setLimit(Number(e.currentTarget.value))}>
        ${[20, 50, 100].map((n) => html`<option value=${n}>${n}</option>`)}
      </select>
      <button type="button" onClick=${reload}>Refresh</button>
    </form>
    <${Err} error=${error} />
    ${events?.length === 0 && html`<p class="empty">No event${type ? ` of type ${type}` : ""} yet: they come when streams start and end, destinations fail, chat arrives…</p>`}
    ${events?.length > 0 &&
    html`<table class="event-log">
      <caption class="sr-only">Events, newest first</caption>
      <thead><tr><th>When</th><th>Type</th><th>What</th><th></th></tr></thead>
      <tbody>
        ${events.map((e) => html`<tr key=${e.id}>
          <td><time datetime=${e.createdAt}>${formatTime(e.createdAt)}</time></td>
          <td><span class="tag">${e.type}</span></td>
          <td>${summary(e.data)}${open === e.id && html`<pre class="event-data">${JSON.stringify(e.data, null, 2)}</pre>`}</td>
          <td><button type="button" aria-expanded=${open === e.id ? "true" : "false"} aria-label=${`Details of ${e.type} at ${formatTime(e.createdAt)}`} onClick=${() => setOpen(open === e.id ? null : e.id)}>${open === e.id ? "Hide" : "Details"}</button></td>
        </tr>`)}
      </tbody>
    </table>`}`;
}
