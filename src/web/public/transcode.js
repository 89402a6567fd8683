// A destination's encoding: relay as is, let Prism fit the platform's limits, or re-encode to a profile.
import { useState } from "preact/hooks";
import { html, api } from "./api.js";
import { Err } from "./ui.js";

const FIELDS = [
  ["width", "Width (px)", 16, 7680, 1],
  ["height", "Height (px)", 16, 4320, 1],
  ["fps", "Frame rate", 1, 120, "any"],
  ["videoKbps", "Video kbps", 100, 100000, 1],
  ["keyframeIntervalSec", "Keyframe every (s)", 0.5, 10, 0.5],
  ["audioKbps", "Audio kbps", 32, 512, 1],
];

export function describeTranscode(t) {
  if (t === "auto") return "auto (fit the platform's limits)";
  if (t === "copy") return "relay as is";
  const parts = [t.width && t.height ? `${t.width}×${t.height}` : t.height ? `${t.height}p` : t.width ? `${t.width} wide` : "", t.fps && `${t.fps} fps`, t.videoKbps && `${t.videoKbps} kbps`, t.keyframeIntervalSec && `keyframe ${t.keyframeIntervalSec} s`, t.audioKbps && `audio ${t.audioKbps} kbps`];
  return `re-encode: ${parts.filter(Boolean).join(", ")}`;
}

export function TranscodeSettings({ streamId, dest, onSaved }) {
  const current = dest.transcode;
  const [mode, setMode] = useState(typeof current === "string" ? current : "profile");
  const [profile, setProfile] = useState(() => Object.fromEntries(FIELDS.map(([k]) => [k, typeof current === "object" && current[k] != null ? String(current[k]) : ""])));
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const name = `tc-${dest.id}`;
  async function save(e) {
    e.preventDefault();
    setError("");
    setSaved("");
    const transcode = mode === "profile" ? Object.fromEntries(FIELDS.filter(([k]) => profile[k] !== "").map(([k]) => [k, Number(profile[k])])) : mode;
    if (mode === "profile" && Object.keys(transcode).length === 0) return setError("Give at least one value for the profile, or choose auto.");
    try {
      const updated = await api("PATCH", `/streams/${streamId}/destinations/${dest.id}`, { transcode });
      setSaved(`Saved: ${describeTranscode(updated.transcode)}. While live, the destination reconnects with it now.`);
      onSaved(updated);
    } catch (err) {
      setError(err.message);
    }
  }
  return html`<details class="settings">
    <summary>Encoding <span class="hint">(${describeTranscode(current)})</span></summary>
    <form onSubmit=${save} aria-label=${`Encoding of ${dest.name}`}>
      <fieldset>
        <legend class="sr-only">Encoding</legend>
        <label><input type="radio" name=${name} checked=${mode === "auto"} onChange=${() => setMode("auto")} /> Auto: copy when the stream fits ${dest.platform === "custom" ? "(a custom server has no limits)" : "the platform's limits, else re-encode"}</label><br />
        <label><input type="radio" name=${name} checked=${mode === "copy"} onChange=${() => setMode("copy")} /> Always relay as is</label><br />
        <label><input type="radio" name=${name} checked=${mode === "profile"} onChange=${() => setMode("profile")} /> Re-encode to a profile</label>
      </fieldset>
      ${mode === "profile" &&
      html`<fieldset class="profile">
        <legend class="hint">Leave a field empty to follow the stream (within the platform's limits). Prism never scales up.</legend>
        ${FIELDS.map(([k, label, min, max, step]) => html`<label>${label}<input type="number" min=${min} max=${max} step=${step} value=${profile[k]} onInput=${(e) => setProfile({ ...profile, [k]: e.currentTarget.value })} /></label>`)}
      </fieldset>`}
      <${Err} error=${error} />
      ${saved && html`<p class="notice-line" role="status">${saved}</p>`}
      <button type="submit">Save encoding</button>
    </form>
  </details>`;
}
