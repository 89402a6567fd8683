// Chat modes of a stream: set once, applied on each platform that allows it; Prism holds the rest on its feed and overlay.
import { useEffect, useState } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Err } from "./ui.js";
import { PlatformMark, platformName } from "./platforms.js";
import { Guard } from "./scope.js";

const WHO = { platform: "on the platform", prism: "by Prism (feed and overlay)", unavailable: "not available" };

export function ChatModesPanel({ streamId }) {
  const [loaded, loadError] = useLoad(() => api("GET", `/streams/${streamId}/chat-modes`), [streamId]);
  const [form, setForm] = useState(null);
  const [results, setResults] = useState([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!loaded) return;
    const m = loaded.modes;
    setForm({
      slow: m.slowSec !== null,
      slowSec: m.slowSec ?? 30,
      followers: m.followersOnly !== false,
      minFollowMinutes: m.followersOnly ? m.followersOnly.minFollowMinutes : 10,
      subscribersOnly: m.subscribersOnly,
      emoteOnly: m.emoteOnly,
    });
    setResults(loaded.results);
  }, [loaded]);
  if (!form) return html`<section class="card"><h2>Chat modes</h2><${Err} error=${loadError} /></section>`;
  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.type === "checkbox" ? e.currentTarget.checked : Number(e.currentTarget.value) });
  async function apply(e) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const answer = await api("PUT", `/streams/${streamId}/chat-modes`, {
        slowSec: form.slow ? form.slowSec : null,
        followersOnly: form.followers ? { minFollowMinutes: form.minFollowMinutes } : false,
        subscribersOnly: form.subscribersOnly,
        emoteOnly: form.emoteOnly,
      });
      setResults(answer.results);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="card" aria-labelledby="modes-title">
    <h2 id="modes-title">Chat modes</h2>
    <p class="hint">Applied on every platform whose API allows it, again at each go-live; where one cannot, Prism holds its messages to the rule in the feed and the overlay.</p>
    <form class="modes-form" onSubmit=${apply}>
      <${Guard} scope="chat" className="modes-form">
      <label><input type="checkbox" checked=${form.slow} onChange=${set("slow")} /> Slow mode</label>
      <label for="slow-sec">Seconds between messages</label>
      <input id="slow-sec" type="number" min="1" max="3600" value=${form.slowSec} disabled=${!form.slow} onInput=${set("slowSec")} />
      <label><input type="checkbox" checked=${form.followers} onChange=${set("followers")} /> Followers only</label>
      <label for="follow-min">Followed for at least (minutes)</label>
      <input id="follow-min" type="number" min="0" max="129600" value=${form.minFollowMinutes} disabled=${!form.followers} onInput=${set("minFollowMinutes")} />
      <label><input type="checkbox" checked=${form.subscribersOnly} onChange=${set("subscribersOnly")} /> Subscribers / members only</label>
      <label><input type="checkbox" checked=${form.emoteOnly} onChange=${set("emoteOnly")} /> Emote only</label>
      <${Err} error=${error} />
      <button type="submit" disabled=${busy}>Apply chat modes</button>
      </${Guard}>
    </form>
    ${results.length > 0 &&
    html`<ul class="plain modes-results" aria-label="Chat modes per platform">
      ${results.map((r) => html`<li key=${r.destinationId} class=${r.applied}>
        <${PlatformMark} platform=${r.platform} /> <strong>${platformName(r.platform)}</strong>
        ${Object.entries(r.modes).map(([mode, who]) => html` <span class="tag" title=${WHO[who]}>${mode}: ${WHO[who]}</span>`)}
        <p class="hint">${r.message}</p>
      </li>`)}
    </ul>`}
  </section>`;
}
