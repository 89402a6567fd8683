// The Recordings page: a stream's recordings (one per broadcast), a player with its markers, clips,
// download and delete; while live, "Clip the last 30 s" and "Add marker".
import { useEffect, useRef, useState } from "preact/hooks";
import { html, api } from "./api.js";
import { Action, Err, useLoad } from "./ui.js";

const seconds = (s) => (s === null || s === undefined ? "–" : s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);
const bytes = (n) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`);
const when = (iso) => new Date(iso).toLocaleString();

export function RecordingsPage({ id }) {
  const [streams, error] = useLoad(() => api("GET", "/streams"));
  if (!id) {
    return html`<h1>Recordings</h1>
      <${Err} error=${error} />
      <p class="hint">Pick a stream. Turn recording on in its settings there; every broadcast session becomes one MP4.</p>
      <ul class="cards">${streams?.map((s) => html`<li key=${s.id}><a class="card" href=${`#/recordings/${s.id}`}>${s.name} <span class="hint">${s.recording.enabled ? "recording on" : "recording off"}</span></a></li>`)}</ul>`;
  }
  const stream = streams?.find((s) => s.id === id);
  return html`<h1>Recordings${stream ? ` of ${stream.name}` : ""}</h1>
    <${Err} error=${error || (streams && !stream ? "No such stream." : "")} />
    ${stream && html`<${StreamRecordings} stream=${stream} />`}`;
}

function StreamRecordings({ stream }) {
  const [list, error, reload] = useLoad(() => api("GET", `/streams/${stream.id}/recordings`), [stream.id]);
  const [selected, setSelected] = useState(null);
  // The list follows what happens: a broadcast starting, being recorded, being finalized.
  useEffect(() => {
    const busy = list?.some((r) => r.state === "recording" || r.state === "finalizing");
    const timer = setTimeout(reload, busy ? 1000 : 3000);
    return () => clearTimeout(timer);
  }, [list, error]);
  const live = list?.find((r) => r.state === "recording");
  const current = list?.find((r) => r.id === selected) ?? null;
  return html`<${RecordingSettings} stream=${stream} />
    ${live && html`<${LiveControls} stream=${stream} recording=${live} reload=${reload} />`}
    <${Err} error=${error} />
    ${list?.length === 0 && html`<p class="empty">No recordings yet.</p>`}
    ${list?.length > 0 &&
    html`<table class="recordings">
      <caption class="sr-only">Recordings of ${stream.name}</caption>
      <thead><tr><th>Started</th><th>Length</th><th>Size</th><th>State</th><th>Markers</th><th></th></tr></thead>
      <tbody>
        ${list.map(
          (r) => html`<tr key=${r.id} aria-current=${r.id === selected ? "true" : undefined}>
            <td>${when(r.startedAt)}</td>
            <td>${seconds(r.durationSec)}</td>
            <td>${bytes(r.sizeBytes)}</td>
            <td>${r.state}${r.paused ? " (paused: disk nearly full)" : ""}${r.note ? html`<br /><span class="hint">${r.note}</span>` : ""}</td>
            <td>${r.markers.length}</td>
            <td class="row">
              ${r.downloadUrl && html`<button type="button" onClick=${() => setSelected(r.id)} aria-label=${`Play recording of ${when(r.startedAt)}`}>Play</button>`}
              ${r.downloadUrl && html`<a class="button" href=${r.downloadUrl} download>Download</a>`}
              ${r.state !== "recording" && r.state !== "finalizing" &&
              html`<${Action} className="danger" confirm="Delete this recording and its clips?" run=${async () => {
                await api("DELETE", `/recordings/${r.id}`);
                if (selected === r.id) setSelected(null);
                reload();
              }}>Delete</${Action}>`}
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`}
    ${current && html`<${Player} recording=${current} key=${current.id} />`}`;
}

function RecordingSettings({ stream }) {
  const [settings, setSettings] = useState(stream.recording);
  const [error, setError] = useState("");
  async function change(patch) {
    setError("");
    try {
      setSettings((await api("PATCH", `/streams/${stream.id}`, { recording: patch })).recording);
    } catch (err) {
      setError(err.message);
    }
  }
  return html`<fieldset class="card" aria-label="Recording settings">
    <label><input type="checkbox" checked=${settings.enabled} onChange=${(e) => change({ enabled: e.currentTarget.checked })} /> Record every broadcast of this stream</label>
    <label><input type="checkbox" checked=${settings.includeSlate} onChange=${(e) => change({ includeSlate: e.currentTarget.checked })} /> Keep the slate in recordings</label>
    <p class="hint">Changes apply from the next broadcast. Retention: ${settings.retention.days ? `${settings.retention.days} days` : "no day limit"}, ${settings.retention.maxGb ? `${settings.retention.maxGb} GB` : "no size limit"} for this stream (plus Prism's global limits).</p>
    <${Err} error=${error} />
  </fieldset>`;
}

function LiveControls({ stream, recording, reload }) {
  const [made, setMade] = useState(null);
  return html`<section class="card live" aria-label="Live recording">
    <p><strong>Recording now</strong> · ${seconds(recording.durationSec)} · ${bytes(recording.sizeBytes)}${recording.paused ? " · paused: the disk is nearly full" : ""}</p>
    <div class="row">
      <${Action} className="primary" run=${async () => setMade(await api("POST", `/streams/${stream.id}/clips`, { lastSec: 30 }))}>Clip the last 30 s</${Action}>
      <${Action} run=${async () => {
        await api("POST", `/streams/${stream.id}/markers`, {});
        reload();
      }}>Add marker</${Action}>
    </div>
    ${made && html`<p class="notice-line" role="status">Clip ready (${seconds(made.durationSec)}): <a href=${made.downloadUrl} download>download</a></p>`}
  </section>`;
}

function Player({ recording }) {
  const video = useRef(null);
  const [clips, clipsError, reloadClips] = useLoad(() => api("GET", `/recordings/${recording.id}/clips`), [recording.id]);
  const [start, setStart] = useState("0");
  const [end, setEnd] = useState(String(Math.min(30, Math.floor(recording.durationSec ?? 0))));
  const [precise, setPrecise] = useState(false);
  const [made, setMade] = useState(null);
  const here = () => (video.current ? video.current.currentTime.toFixed(1) : "0");
  const seek = (sec) => {
    if (video.current) video.current.currentTime = sec;
  };
  return html`<section class="card player" aria-label="Player">
    <video ref=${video} controls preload="metadata" src=${recording.downloadUrl} aria-label="Recording"></video>
    <div class="timeline" aria-label="Markers">
      ${recording.markers.map(
        (m) => html`<button type="button" class="marker" style=${{ left: `${(100 * m.atSec) / (recording.durationSec || 1)}%` }} onClick=${() => seek(m.atSec)} aria-label=${`Marker ${m.label ?? ""} at ${seconds(m.atSec)}`} title=${m.label ?? ""}>▼</button>`,
      )}
    </div>
    <form class="clip" aria-label="Make a clip" onSubmit=${async (e) => {
      e.preventDefault();
    }}>
      <label>Start (s) <input type="number" min="0" step="0.1" value=${start} onInput=${(e) => setStart(e.currentTarget.value)} aria-label="Clip start" /></label>
      <button type="button" onClick=${() => setStart(here())}>Start here</button>
      <label>End (s) <input type="number" min="0" step="0.1" value=${end} onInput=${(e) => setEnd(e.currentTarget.value)} aria-label="Clip end" /></label>
      <button type="button" onClick=${() => setEnd(here())}>End here</button>
      <label><input type="checkbox" checked=${precise} onChange=${(e) => setPrecise(e.currentTarget.checked)} /> Exact start (re-encode)</label>
      <${Action} className="primary" run=${async () => {
        setMade(await api("POST", `/recordings/${recording.id}/clips`, { startSec: Number(start), endSec: Number(end), precise }));
        reloadClips();
      }}>Make clip</${Action}>
    </form>
    ${made && html`<p class="notice-line" role="status">Clip made from ${made.startSec} s to ${made.endSec} s${made.precise || made.startSec === made.requestedStartSec ? "" : ` (starts at the keyframe before ${made.requestedStartSec} s)`}.</p>`}
    <${Err} error=${clipsError} />
    <ul class="clips">
      ${clips?.map(
        (c) => html`<li key=${c.id}>${c.title ?? "Clip"} · ${c.startSec} – ${c.endSec} s · ${bytes(c.sizeBytes)}
          <a href=${c.downloadUrl} download>Download</a>
          <${Action} className="danger" confirm="Delete this clip?" run=${async () => {
            await api("DELETE", `/clips/${c.id}`);
            reloadClips();
          }}>Delete</${Action}></li>`,
      )}
    </ul>
  </section>`;
}
