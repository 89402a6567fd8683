// Events: a stream's scheduled broadcasts, upcoming and past, with what each platform answered; plan, edit, cancel.
import { useEffect, useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Action, Err } from "./ui.js";
import { PlatformMark, platformName } from "./platforms.js";
import { MediaUpload, formatLength } from "./media.js";

const UPCOMING = new Set(["scheduled", "started"]);
const STATE_BADGE = { announced: "live", withdrawn: "stopped", not_available: "idle", refused: "failed", unavailable: "reconnecting" };
const STATE_TEXT = { announced: "announced", withdrawn: "withdrawn", not_available: "not available", refused: "refused", unavailable: "will retry" };

export function EventsPage({ id }) {
  return id ? html`<${StreamEvents} id=${id} />` : html`<${EventsStreamPicker} />`;
}

function EventsStreamPicker() {
  const [streams, error] = useLoad(() => api("GET", "/streams"));
  useEffect(() => {
    if (streams?.length === 1) location.replace(`#/events/${streams[0].id}`);
  }, [streams]);
  return html`<h1>Events</h1>
    <${Err} error=${error} />
    ${streams?.length === 0 && html`<p class="empty">No stream yet: create one on the <a href="#/streams">Streams</a> page.</p>`}
    <ul class="cards">${streams?.map((s) => html`<li key=${s.id}><a class="card button" href=${`#/events/${s.id}`}>Events of ${s.name}</a></li>`)}</ul>`;
}

function StreamEvents({ id }) {
  const [data, error, reload] = useLoad(
    async () => ({ stream: await api("GET", `/streams/${id}`), events: await api("GET", `/streams/${id}/events`), videos: await api("GET", "/media") }),
    [id],
  );
  const videoNames = new Map(data?.videos.map((m) => [m.id, m.name]));
  const upcoming = data?.events.filter((e) => UPCOMING.has(e.status)) ?? [];
  // Most recent first among the past ones.
  const past = (data?.events.filter((e) => !UPCOMING.has(e.status)) ?? []).reverse();
  return html`<h1>Events${data && html` of ${data.stream.name}`}</h1>
    <p class="hint">Plan a broadcast: Prism announces it on each linked platform that can take it, reminds your automations before it starts, and starts it on time.</p>
    <${Err} error=${error} />
    <h2>Upcoming</h2>
    ${data && upcoming.length === 0 && html`<p class="empty">Nothing planned.</p>`}
    <ul class="cards">${upcoming.map((e) => html`<li key=${e.id}><${EventCard} event=${e} videoName=${videoNames.get(e.source.mediaId)} reload=${reload} /></li>`)}</ul>
    <${EventForm} streamId=${id} onSaved=${reload} />
    <h2>Past</h2>
    ${data && past.length === 0 && html`<p class="empty">No past events.</p>`}
    <ul class="cards">${past.map((e) => html`<li key=${e.id}><${EventCard} event=${e} videoName=${videoNames.get(e.source.mediaId)} reload=${reload} /></li>`)}</ul>`;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

function EventCard({ event, videoName, reload }) {
  const [editing, setEditing] = useState(false);
  const editable = event.status === "scheduled";
  return html`<article class="card event" aria-label=${`Event ${event.title}`}>
    <h3>${event.title} <span class=${`badge ${event.status === "started" ? "live" : event.status === "scheduled" ? "connecting" : event.status === "ended" ? "stopped" : "failed"}`}>${event.status}</span></h3>
    <p>${when(event.startsAt)}${event.endsAt && html` – ${when(event.endsAt)}`} · ${event.source.type === "media" ? html`video ${videoName ?? html`<code>${event.source.mediaId}</code> (deleted)`}${event.source.loop ? " (loop)" : ""}` : "live from OBS"}</p>
    ${event.description && html`<p class="hint">${event.description}</p>`}
    ${event.statusReason && event.status !== "cancelled" && html`<p class="hint">${event.statusReason}</p>`}
    <table class="answers">
      <caption class="sr-only">What each platform answered</caption>
      <tbody>
        ${event.announcements.length === 0 && html`<tr><td>No linked account on this stream: nothing was announced.</td></tr>`}
        ${event.announcements.map((a) => html`<tr key=${a.accountId}>
          <td><${PlatformMark} platform=${a.platform} /> ${platformName(a.platform)}</td>
          <td><span class=${`badge ${STATE_BADGE[a.state] ?? "idle"}`}>${STATE_TEXT[a.state] ?? a.state}</span></td>
          <td>${a.url ? html`<a href=${a.url} target="_blank" rel="noopener noreferrer">open</a>` : ""} ${a.message ?? ""}</td>
        </tr>`)}
      </tbody>
    </table>
    ${editable &&
    html`<div class="row">
      <button type="button" aria-expanded=${editing ? "true" : "false"} onClick=${() => setEditing(!editing)}>Edit</button>
      <${Action} className="danger" confirm="Cancel this event on every platform?" run=${async () => {
        await api("DELETE", `/events/${event.id}`);
        reload();
      }}>Cancel event</${Action}>
    </div>`}
    ${editing && html`<${EventForm} event=${event} onSaved=${() => (setEditing(false), reload())} />`}
  </article>`;
}

/** An ISO instant as a datetime-local value (the browser's time zone), and back. */
const toLocalInput = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);

/** Create (streamId) or edit (event) an event. */
function EventForm({ streamId, event, onSaved }) {
  const prefix = event ? `ev-${event.id}` : "ev-new";
  const [title, setTitle] = useState(event?.title ?? "");
  const [description, setDescription] = useState(event?.description ?? "");
  const [starts, setStarts] = useState(toLocalInput(event?.startsAt));
  const [ends, setEnds] = useState(toLocalInput(event?.endsAt));
  const [sourceType, setSourceType] = useState(event?.source.type ?? "live");
  const [mediaId, setMediaId] = useState(event?.source.mediaId ?? "");
  const [loop, setLoop] = useState(event?.source.loop ?? false);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(null);
  async function submit(e) {
    e.preventDefault();
    setError("");
    const body = {
      title,
      description: description || null,
      startsAt: fromLocalInput(starts),
      endsAt: fromLocalInput(ends),
      source: sourceType === "media" ? { type: "media", mediaId, loop } : { type: "live" },
    };
    try {
      const result = event ? await api("PATCH", `/events/${event.id}`, body) : await api("POST", `/streams/${streamId}/events`, body);
      if (!event) {
        setTitle("");
        setDescription("");
        setStarts("");
        setEnds("");
      }
      setSaved(result);
      onSaved(result);
    } catch (err) {
      setError(err.message);
    }
  }
  // Editing happens inside the event's card: a card of its own there would be squeezed to its parent's height.
  return html`<form class=${event ? "add" : "card add"} onSubmit=${submit} aria-labelledby=${`${prefix}-title`}>
    <h2 id=${`${prefix}-title`}>${event ? "Edit event" : "Plan an event"}</h2>
    <label for=${`${prefix}-name`}>Title</label>
    <input id=${`${prefix}-name`} required maxlength="200" value=${title} onInput=${(e) => setTitle(e.currentTarget.value)} />
    <label for=${`${prefix}-desc`}>Description (optional)</label>
    <textarea id=${`${prefix}-desc`} maxlength="5000" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>
    <label for=${`${prefix}-starts`}>Starts</label>
    <input id=${`${prefix}-starts`} type="datetime-local" required value=${starts} onInput=${(e) => setStarts(e.currentTarget.value)} />
    <label for=${`${prefix}-ends`}>Ends (optional)</label>
    <input id=${`${prefix}-ends`} type="datetime-local" value=${ends} onInput=${(e) => setEnds(e.currentTarget.value)} />
    <fieldset>
      <legend>Source</legend>
      <label><input type="radio" name=${`${prefix}-source`} checked=${sourceType === "live"} onChange=${() => setSourceType("live")} /> Live from OBS</label>
      <label><input type="radio" name=${`${prefix}-source`} checked=${sourceType === "media"} onChange=${() => setSourceType("media")} /> A video played as live</label>
      ${sourceType === "media" &&
      html`<div class="media-source">
        <${VideoPicker} prefix=${prefix} mediaId=${mediaId} onPick=${setMediaId} />
        <label><input type="checkbox" checked=${loop} onChange=${(e) => setLoop(e.currentTarget.checked)} /> Loop until it ends</label>
      </div>`}
    </fieldset>
    <${Err} error=${error} />
    ${saved && !event && html`<p class="notice" role="status">Planned "${saved.title}".</p>`}
    <button type="submit" class="primary">${event ? "Save event" : "Plan event"}</button>
  </form>`;
}

/** The uploaded videos to pick from (name and length), and the upload widget: a new upload is picked at once. */
function VideoPicker({ prefix, mediaId, onPick }) {
  const [files, error, reload] = useLoad(() => api("GET", "/media"));
  // A video deleted since the event was planned is still named, so the form does not silently pick another.
  const missing = files && mediaId && !files.some((m) => m.id === mediaId);
  return html`<label for=${`${prefix}-media`}>Video</label>
    <select id=${`${prefix}-media`} required value=${mediaId} onChange=${(e) => onPick(e.currentTarget.value)}>
      <option value="" disabled>${files?.length === 0 ? "No video uploaded yet: upload one below" : "Pick a video"}</option>
      ${files?.map((m) => html`<option key=${m.id} value=${m.id}>${m.name} (${formatLength(m.durationSec)})</option>`)}
      ${missing && html`<option value=${mediaId}>${mediaId} (no longer uploaded)</option>`}
    </select>
    <${Err} error=${error} />
    <${MediaUpload} id=${`${prefix}-upload`} className="inline-form" onUploaded=${(media) => {
      onPick(media.id);
      reload();
    }} />`;
}
