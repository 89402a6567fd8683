// Videos to stream as live: upload (with a progress bar), the list, delete. MediaUpload is reused wherever a video is picked.
import { useRef, useState } from "preact/hooks";
import { html, api, uploadForm } from "./api.js";
import { useLoad, Action, Err } from "./ui.js";

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const formatLength = (sec) => `${Math.floor(sec / 60)}:${String(Math.round(sec % 60)).padStart(2, "0")}`;

export function MediaPage() {
  const [files, error, reload] = useLoad(() => api("GET", "/media"));
  return html`
    <h1>Videos</h1>
    <p class="hint">Upload a video (MP4, MOV, MKV or FLV with H.264 or HEVC pictures and AAC sound), then pick it as the source of a scheduled event: at the event's start Prism streams it to every destination as if OBS were live. If OBS starts streaming meanwhile, it takes over.</p>
    <${MediaUpload} onUploaded=${reload} />
    <${Err} error=${error} />
    ${files?.length === 0 && html`<p class="empty">No video yet.</p>`}
    <ul class="cards">${files?.map((m) => html`<li key=${m.id}><${MediaCard} media=${m} reload=${reload} /></li>`)}</ul>`;
}

function MediaCard({ media, reload }) {
  const audio = media.audio ? `${media.audio.codec}, ${media.audio.channels === 1 ? "mono" : `${media.audio.channels} channels`}` : "no sound";
  return html`<article class="card" aria-label=${`Video ${media.name}`}>
    <h2>${media.name}</h2>
    <p>${formatLength(media.durationSec)} · ${media.video.codec} ${media.video.width}×${media.video.height} · ${audio} · ${megabytes(media.sizeBytes)}</p>
    ${media.playing && html`<p><span class="badge live">Streaming now</span> (event ${media.playing.eventId})</p>`}
    <div class="row">
      <${Action} className="danger" confirm=${`Delete ${media.name}?`} run=${async () => {
        await api("DELETE", `/media/${media.id}`);
        reload();
      }}>Delete</${Action}>
    </div>
  </article>`;
}

/**
 * A file picker and an Upload button; a progress bar while the file goes up; onUploaded(media) after.
 * Not a <form> of its own, so it can sit inside another form (the event form); `id` tells instances apart.
 */
export function MediaUpload({ onUploaded, id = "media-file", className = "card inline-form" }) {
  const input = useRef(null);
  const [file, setFile] = useState(null);
  const [upload, setUpload] = useState(null);
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  async function start() {
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    setError("");
    setDone("");
    setProgress(0);
    const running = uploadForm("/media", form, (sent, total) => setProgress(Math.floor((sent / total) * 100)));
    setUpload(running);
    try {
      const media = await running.done;
      setDone(`Uploaded ${media.name} (${formatLength(media.durationSec)}).`);
      setFile(null);
      if (input.current) input.current.value = "";
      onUploaded?.(media);
    } catch (err) {
      setError(err.message);
    } finally {
      setUpload(null);
    }
  }
  return html`<div class=${className} role="group" aria-label="Upload a video">
    <label for=${id}>Video file</label>
    <input id=${id} ref=${input} type="file" accept="video/mp4,video/quicktime,video/x-matroska,video/x-flv,.mp4,.mov,.mkv,.flv" disabled=${upload !== null} onChange=${(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
    <button type="button" class="primary" disabled=${!file || upload !== null} onClick=${start}>Upload</button>
    ${upload &&
    html`<span class="row">
      <progress max="100" value=${progress} aria-label=${`Uploading ${file?.name ?? "the video"}`}>${progress}%</progress>
      <span aria-live="polite">${progress < 100 ? `${progress}%` : "Checking the video…"}</span>
      <button type="button" onClick=${() => upload.abort()}>Cancel</button>
    </span>`}
    ${done && html`<p role="status">${done}</p>`}
    <${Err} error=${error} />
  </div>`;
}
