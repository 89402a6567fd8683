// A stream's slate: how long destinations are kept on it while the publisher is away, and its picture.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { Action, Err } from "./ui.js";

/** The API takes the image as a data URL of at most 250,000 characters: about 180 KB of PNG or JPEG. */
const MAX_DATA_URL = 250_000;

/** A slate length as a person says it: "15 s", "2 min", "1 min 30 s" (never "0.3 min"). */
export function formatMinutes(sec) {
  const m = Math.floor(sec / 60);
  const s = Math.round(sec % 60);
  if (m === 0) return `${s} s`;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.readAsDataURL(file);
  });
}

export function SlateSettings({ stream, reload }) {
  const [minutes, setMinutes] = useState(String(stream.slate.maxSeconds / 60));
  const [file, setFile] = useState(null);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  const ids = { minutes: `slate-min-${stream.id}`, image: `slate-img-${stream.id}` };
  async function save(e) {
    e.preventDefault();
    setError("");
    setSaved("");
    setBusy(true);
    try {
      const slate = { maxSeconds: Math.round(Number(minutes) * 60) };
      if (file) {
        const image = await readAsDataUrl(file);
        if (image.length > MAX_DATA_URL) throw new Error(`${file.name} is too large: the slate image must be at most about 180 KB (PNG or JPEG).`);
        slate.image = image;
      }
      await api("PATCH", `/streams/${stream.id}`, { slate });
      setFile(null);
      e.target.reset?.();
      setSaved("Slate saved.");
      reload();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<details class="settings">
    <summary>Slate settings <span class="hint">(${stream.slate.customImage ? "your image" : "Prism's “Be right back” image"})</span></summary>
    <form onSubmit=${save} aria-label=${`Slate settings of ${stream.name}`}>
      <label for=${ids.minutes}>Longest break before the stream ends (minutes)</label>
      <input id=${ids.minutes} type="number" min="0.5" max="1440" step="0.5" required value=${minutes} onInput=${(e) => setMinutes(e.currentTarget.value)} />
      <label for=${ids.image}>Slate image (PNG or JPEG, up to ~180 KB)</label>
      <input id=${ids.image} type="file" accept="image/png,image/jpeg" onChange=${(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      <p class="hint">Now: ${stream.slate.customImage ? "your own image" : "Prism's default image"}. Prism scales it to the stream's size.</p>
      <${Err} error=${error} />
      ${saved && html`<p class="notice-line" role="status">${saved}</p>`}
      <div class="row">
        <button type="submit" class="primary" disabled=${busy}>Save slate</button>
        ${stream.slate.customImage &&
        html`<${Action} run=${async () => {
          await api("PATCH", `/streams/${stream.id}`, { slate: { image: null } });
          setSaved("Back to Prism's default image.");
          reload();
        }}>Use the default image</${Action}>`}
      </div>
    </form>
  </details>`;
}
