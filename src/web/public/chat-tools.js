// The chat page's tools: the send box (one message to every platform), word/regex filters, blocked authors.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Action, Err } from "./ui.js";
import { PlatformMark, platformName } from "./platforms.js";
import { Guard } from "./scope.js";

export function SendBox({ streamId }) {
  const [text, setText] = useState("");
  const [results, setResults] = useState(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function send(e) {
    e.preventDefault();
    setBusy(true);
    setError("");
    setResults(null);
    try {
      const answer = await api("POST", `/streams/${streamId}/comments`, { text });
      setResults(answer.results);
      // Keep the text when every platform refused, so it can be sent again.
      if (answer.results.some((r) => r.ok)) setText("");
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="send" onSubmit=${send}>
    <label for="chat-send">Send to every platform</label>
    <${Guard} scope="chat" className="row">
      <input id="chat-send" required maxlength="500" autocomplete="off" value=${text} onInput=${(e) => setText(e.currentTarget.value)} placeholder="Thanks for watching!" />
      <button type="submit" class="primary" disabled=${busy}>Send</button>
    </${Guard}>
    <${Err} error=${error} />
    ${results &&
    html`<ul class="send-results" aria-label="Sent to">
      ${results.map((r) => html`<li key=${r.destinationId} class=${r.ok ? "ok" : "failed"}>
        <${PlatformMark} platform=${r.platform} /> ${r.ok ? `Sent to ${platformName(r.platform)}` : `${platformName(r.platform)}: ${r.error ?? "not sent"}`}
      </li>`)}
    </ul>`}
  </form>`;
}

export function FiltersPanel({ streamId }) {
  const [filters, error, reload] = useLoad(() => api("GET", `/streams/${streamId}/chat-filters`), [streamId]);
  const [kind, setKind] = useState("word");
  const [pattern, setPattern] = useState("");
  const [formError, setFormError] = useState("");
  const [caught, setCaught] = useState(null);
  async function review() {
    if (caught) return setCaught(null);
    const page = await api("GET", `/streams/${streamId}/comments?include=flagged&limit=100`);
    setCaught(page.comments.filter((c) => c.flagged));
  }
  async function add(e) {
    e.preventDefault();
    setFormError("");
    try {
      await api("POST", `/streams/${streamId}/chat-filters`, { kind, pattern });
      setPattern("");
      reload();
    } catch (err) {
      setFormError(err.message);
    }
  }
  return html`<section class="card" aria-labelledby="filters-title">
    <h2 id="filters-title">Filters</h2>
    <p class="hint">Messages that match, new ones and those already shown, leave the feed and the overlay; they stay here for review.</p>
    <${Err} error=${error} />
    <ul class="plain">
      ${filters?.length === 0 && html`<li class="empty">No filter.</li>`}
      ${filters?.map((f) => html`<li key=${f.id} class="row">
        <span class="tag">${f.kind === "regex" ? "regex" : "word"}</span> <code>${f.pattern}</code>
        <${Guard} scope="chat" className="inline"><${Action} label=${`Remove filter ${f.pattern}`} run=${async () => {
          await api("DELETE", `/streams/${streamId}/chat-filters/${f.id}`);
          reload();
        }}>Remove</${Action}></${Guard}>
      </li>`)}
    </ul>
    <form class="filter-form" onSubmit=${add}>
      <${Guard} scope="chat" className="filter-form">
      <label for="filter-kind">Match</label>
      <select id="filter-kind" value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
        <option value="word">A word or phrase (any case)</option>
        <option value="regex">A regular expression</option>
      </select>
      <label for="filter-pattern">Filter</label>
      <input id="filter-pattern" required maxlength="200" value=${pattern} onInput=${(e) => setPattern(e.currentTarget.value)} placeholder=${kind === "regex" ? "buy (cheap )?followers" : "spoiler"} />
      <${Err} error=${formError} />
      <button type="submit">Add filter</button>
      </${Guard}>
    </form>
    <div class="row">
      <${Action} run=${review}>${caught ? "Hide filtered messages" : "Show filtered messages"}</${Action}>
    </div>
    ${caught &&
    html`<ul class="plain caught" aria-label="Filtered messages">
      ${caught.length === 0 && html`<li class="empty">No message was filtered.</li>`}
      ${caught.map((c) => html`<li key=${c.id}><${PlatformMark} platform=${c.platform} /> <strong>${c.author.name}</strong>: ${c.text} <span class="hint">(${c.flagged})</span></li>`)}
    </ul>`}
  </section>`;
}

export function BlocksPanel({ streamId, blocks, reload }) {
  return html`<section class="card" aria-labelledby="blocks-title">
    <h2 id="blocks-title">Blocked authors</h2>
    <ul class="plain">
      ${blocks?.length === 0 && html`<li class="empty">Nobody is blocked.</li>`}
      ${blocks?.map((b) => html`<li key=${`${b.platform}/${b.authorId}`} class="row">
        <${PlatformMark} platform=${b.platform} /> ${b.authorName ?? b.authorId}
        <${Guard} scope="chat" className="inline"><${Action} label=${`Unblock ${b.authorName ?? b.authorId}`} run=${async () => {
          await api("DELETE", `/streams/${streamId}/chat-blocks/${encodeURIComponent(b.platform)}/${encodeURIComponent(b.authorId)}`);
          reload();
        }}>Unblock</${Action}></${Guard}>
      </li>`)}
    </ul>
    <p class="hint">Unblocking shows their new messages again; a ban on the platform stays until lifted there.</p>
  </section>`;
}
