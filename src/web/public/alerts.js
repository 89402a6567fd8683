// Alerts while the dashboard is open, on any page: a browser notification (and, if chosen, a sound) when a
// destination fails, the ingest is lost or a chat reader fails, with the reason.
//
// What counts is what the webhooks announce (the event log, GET /events): destination.failed comes when the
// platform refused the stream, or after a destination has been reconnecting for PRISM_DESTINATION_FAILED_AFTER_MS
// (30 s by default), so a routine reconnect that succeeds within seconds alerts nobody; stream.ingest_lost comes
// at once. Chat readers have no event: their state is read from each live stream's health.
import { useEffect, useState } from "preact/hooks";
import { html, api } from "./api.js";

const POLL_MS = 3_000;
const SOUND_KEY = "prism.alerts.sound";

function alertOfEvent(e) {
  const d = e.data;
  if (e.type === "destination.failed") {
    const how = d.state === "failed" ? "Prism stopped trying" : `still retrying since ${new Date(d.since).toLocaleTimeString()}`;
    return { key: e.id, title: `${d.destinationName} failed (${d.streamName})`, body: `${d.reason} (${how})` };
  }
  if (e.type === "stream.ingest_lost") {
    // A stall's reason says it all ("the primary encoder is connected but sent nothing for 2 s"); a drop's is technical.
    const what = d.cause === "stalled" ? d.reason.charAt(0).toUpperCase() + d.reason.slice(1) : `OBS is gone (${d.reason})`;
    return { key: e.id, title: `Ingest lost: ${d.streamName}`, body: `${what}. Showing the slate; the stream ends at ${new Date(d.slateUntil).toLocaleTimeString()} unless it comes back.` };
  }
  return null;
}

function beep() {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, ctx.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.6);
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.6);
  osc.onended = () => ctx.close();
}

/** Polls the event log and the live streams' chat readers; calls `raise` once for each new problem. */
function useProblems(raise) {
  useEffect(() => {
    const seen = new Set();
    const failedChats = new Set();
    let first = true;
    let stopped = false;
    async function poll() {
      try {
        const events = await api("GET", "/events?type=destination.failed,stream.ingest_lost&limit=20");
        for (const e of [...events].reverse()) {
          if (seen.has(e.id)) continue;
          seen.add(e.id);
          // What happened before the page was opened is on the pages themselves; alerts are for what happens now.
          const alert = !first && alertOfEvent(e);
          if (alert) raise(alert);
        }
        const streams = (await api("GET", "/streams")).filter((s) => s.live);
        for (const s of streams) {
          const health = await api("GET", `/streams/${s.id}/health`);
          for (const d of health.destinations) {
            const key = `${s.id}/${d.id}`;
            if (d.chat?.state !== "failed") {
              failedChats.delete(key);
              continue;
            }
            if (failedChats.has(key)) continue;
            failedChats.add(key);
            if (!first) raise({ key: `chat:${key}:${Date.now()}`, title: `Chat of ${d.name} is not read (${s.name})`, body: d.chat.detail ?? "Its chat reader failed." });
          }
        }
        first = false;
      } catch {
        // Prism restarting or the session gone: the pages say so; try again on the next round.
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    }
    let timer = setTimeout(poll, 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
}

/** The header's switch for notifications and sound, and the alerts shown in the page itself. */
export function Alerts() {
  const supported = typeof Notification !== "undefined";
  const [permission, setPermission] = useState(supported ? Notification.permission : "unsupported");
  const [sound, setSound] = useState(localStorage.getItem(SOUND_KEY) === "on");
  const [toasts, setToasts] = useState([]);
  useProblems((alert) => {
    if (supported && Notification.permission === "granted") new Notification(alert.title, { body: alert.body, tag: alert.key });
    const playSound = localStorage.getItem(SOUND_KEY) === "on";
    if (playSound) beep();
    setToasts((list) => [...list.slice(-4), { ...alert, sound: playSound }]);
  });
  async function enable() {
    if (supported) setPermission(await Notification.requestPermission());
  }
  function toggleSound(e) {
    const on = e.currentTarget.checked;
    localStorage.setItem(SOUND_KEY, on ? "on" : "off");
    setSound(on);
  }
  return html`
    <span class="alerts-toggle">
      ${permission === "granted"
        ? html`<span title="A notification when a destination fails, the ingest is lost or a chat reader fails">● Alerts on</span>`
        : permission === "denied"
          ? html`<span title="The browser blocks notifications for this site; alerts show in the page only">Notifications blocked</span>`
          : supported && html`<button type="button" class="link" onClick=${enable}>Enable alerts</button>`}
      <label><input type="checkbox" checked=${sound} onChange=${toggleSound} /> Sound</label>
    </span>
    <div class="toasts" role="alert" aria-live="assertive">
      ${toasts.map((t) => html`<div class="toast" key=${t.key} data-testid="alert" data-sound=${t.sound ? "on" : "off"}>
        <strong>${t.title}</strong><br />${t.body}
        <button type="button" aria-label="Dismiss" onClick=${() => setToasts((list) => list.filter((x) => x.key !== t.key))}>×</button>
      </div>`)}
    </div>`;
}
