// Sessions (issue #17): each stream's broadcast sessions, and a session's report with its charts.
import { useMemo } from "preact/hooks";
import { html, api } from "./api.js";
import { useLoad, Err } from "./ui.js";
import { platformName } from "./platforms.js";
import { Chart, colorOf } from "./charts.js";

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const time = (iso) => new Date(iso).toLocaleTimeString();

export function duration(sec) {
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : m > 0 ? `${m} min ${String(rest).padStart(2, "0")} s` : `${rest} s`;
}

const amounts = (byCurrency) =>
  Object.entries(byCurrency)
    .map(([currency, value]) => `${Math.round(value * 100) / 100} ${currency}`)
    .join(", ") || "—";

/** #/sessions, #/sessions/<streamId>, #/sessions/<streamId>/<sessionId>. */
export function SessionsPage({ streamId, sessionId }) {
  if (streamId && sessionId) return html`<${SessionReport} streamId=${streamId} sessionId=${sessionId} />`;
  if (streamId) return html`<${StreamSessions} streamId=${streamId} />`;
  return html`<${PickStream} />`;
}

function PickStream() {
  const [streams, error] = useLoad(() => api("GET", "/streams"));
  return html`
    <h1>Sessions</h1>
    <p class="hint">Every broadcast (from the first publish to the end, across drops and the slate) leaves a report: uptime of each destination, viewers, chat.</p>
    <${Err} error=${error} />
    <ul class="cards">
      ${streams?.map((s) => html`<li key=${s.id} class="card"><a href=${`#/sessions/${s.id}`}>${s.name}</a></li>`)}
    </ul>
    ${streams?.length === 0 && html`<p class="empty">No stream yet.</p>`}`;
}

function StreamSessions({ streamId }) {
  const [stream] = useLoad(() => api("GET", `/streams/${streamId}`), [streamId]);
  const [list, error] = useLoad(() => api("GET", `/streams/${streamId}/sessions`), [streamId]);
  return html`
    <p><a href="#/sessions">← Sessions</a></p>
    <h1>${stream?.name ?? "Stream"} <span class="sub">sessions</span></h1>
    <${Err} error=${error} />
    ${list?.sessions.length === 0 && html`<p class="empty">No session yet: one starts when OBS publishes to this stream.</p>`}
    ${list?.sessions.length > 0 &&
    html`<table class="sessions" data-testid="session-list">
      <thead><tr><th>Started</th><th>Duration</th><th>Peak viewers</th><th>Chat</th><th>Worst uptime</th><th></th></tr></thead>
      <tbody>
        ${list.sessions.map(
          (r) => html`<tr key=${r.id}>
            <td>${when(r.startedAt)}</td>
            <td>${r.endedAt ? duration(r.durationSec) : html`<span class="badge live">live</span>`}</td>
            <td>${r.viewers.peak ?? "—"}</td>
            <td>${r.chat.messages}</td>
            <td>${r.destinations.length ? `${Math.min(...r.destinations.map((d) => d.uptimePct))} %` : "—"}</td>
            <td><a class="button" href=${`#/sessions/${streamId}/${r.id}`}>Report →</a></td>
          </tr>`,
        )}
      </tbody>
    </table>`}`;
}

/** What the charts draw, from the series and the report (outages at their exact times). */
function chartData(report, series) {
  const minutes = series.minutes;
  const times = minutes.map((m) => Date.parse(m.at) / 1000);
  const keys = (field) => [...new Set(minutes.flatMap((m) => Object.keys(m[field])))].sort();
  const perMinute = 60 / series.bucketSec;
  const names = new Map(report.destinations.map((d) => [d.id, d.name]));
  const viewers = keys("viewers").map((p, i) => ({ label: platformName(p) || p, color: colorOf(i), values: minutes.map((m) => m.viewers[p] ?? null) }));
  const chat = keys("chat").map((p, i) => ({ label: platformName(p) || p, color: colorOf(i), values: minutes.map((m) => (m.chat[p] ?? 0) * perMinute) }));
  const bitrate = [
    { label: "Ingest", color: "#333333", values: minutes.map((m) => m.ingest?.bitrateKbps ?? null) },
    ...keys("destinations").map((id, i) => ({ label: names.get(id) ?? id, color: colorOf(i + 1), values: minutes.map((m) => m.destinations[id]?.bitrateKbps ?? null) })),
  ];
  const outages = report.destinations.flatMap((d) => d.outages.map((o) => ({ from: Date.parse(o.from) / 1000, to: Date.parse(o.to) / 1000 })));
  return { times, viewers, chat, bitrate, outages };
}

function SessionReport({ streamId, sessionId }) {
  const [report, error, reload] = useLoad(() => api("GET", `/sessions/${sessionId}`), [sessionId]);
  const [series, seriesError] = useLoad(() => api("GET", `/sessions/${sessionId}/series`), [sessionId, report]);
  const data = useMemo(() => (report && series ? chartData(report, series) : null), [report, series]);
  const platforms = report ? [...new Set([...Object.keys(report.viewers.byPlatform), ...Object.keys(report.chat.byPlatform), ...Object.keys(report.engagement.byPlatform)])].sort() : [];
  return html`
    <p><a href=${`#/sessions/${streamId}`}>← Sessions of the stream</a></p>
    <h1>${report?.streamName ?? "Session"} <span class="sub">${report ? when(report.startedAt) : ""}</span></h1>
    <${Err} error=${error || seriesError} />
    ${report &&
    html`
      <section class="card report-summary" aria-label="Summary" data-testid="session-summary">
        ${!report.endedAt && html`<p><span class="badge live">live</span> The report so far. <button type="button" class="link" onClick=${reload}>Refresh</button></p>`}
        <dl>
          <div><dt>Duration</dt><dd data-testid="duration">${duration(report.durationSec)}</dd></div>
          <div><dt>Ended</dt><dd>${report.endedAt ? `${when(report.endedAt)} (${report.endReason})` : "—"}</dd></div>
          <div><dt>Slate</dt><dd>${duration(report.slateSec)}</dd></div>
          <div><dt>Encoder switches</dt><dd>${report.switches}</dd></div>
          <div><dt>Peak viewers</dt><dd data-testid="peak-viewers">${report.viewers.peak ?? "—"}${report.viewers.peakAt ? ` at ${time(report.viewers.peakAt)}` : ""}</dd></div>
          <div><dt>Chat messages</dt><dd data-testid="chat-messages">${report.chat.messages}</dd></div>
          <div><dt>Unique chatters</dt><dd>${report.chat.uniqueChatters}</dd></div>
          <div><dt>Engagement</dt><dd>${report.engagement.events} (${amounts(report.engagement.amounts)})</dd></div>
        </dl>
        <a class="button" href=${`/api/v1/sessions/${encodeURIComponent(report.id)}/report.csv`} download>Download CSV</a>
      </section>
      <h2>Destinations</h2>
      <table class="sessions" data-testid="session-destinations">
        <thead><tr><th>Destination</th><th>Uptime</th><th>Reconnects</th><th>Longest outage</th><th>Avg bitrate</th><th>Warnings</th></tr></thead>
        <tbody>
          ${report.destinations.map(
            (d) => html`<tr key=${d.id}>
              <td>${d.name} <span class="platform">${platformName(d.platform) || d.platform}</span></td>
              <td>${d.uptimePct} %</td>
              <td>${d.reconnects}</td>
              <td>${d.longestOutageSec ? duration(d.longestOutageSec) : "—"}</td>
              <td>${d.avgBitrateKbps === null ? "—" : `${d.avgBitrateKbps} kbps`}</td>
              <td>${d.warnings.length ? html`<ul class="warnings">${d.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : "—"}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${report.destinations.some((d) => d.outages.length) &&
      html`<ul class="outages" aria-label="Outages" data-testid="outages">
        ${report.destinations.flatMap((d) => d.outages.map((o) => html`<li key=${d.id + o.from}>${d.name}: down ${time(o.from)}–${time(o.to)} (${duration(o.sec)})</li>`))}
      </ul>`}
      <h2>Platforms</h2>
      <table class="sessions" data-testid="session-platforms">
        <thead><tr><th>Platform</th><th>Peak viewers</th><th>Average</th><th>Chat messages</th><th>Chatters</th><th>Engagement</th></tr></thead>
        <tbody>
          ${platforms.map((p) => {
            const v = report.viewers.byPlatform[p];
            const c = report.chat.byPlatform[p];
            const e = report.engagement.byPlatform[p];
            return html`<tr key=${p}>
              <td>${platformName(p) || p}</td>
              <td>${v ? (v.peak ?? v.unavailable ?? "—") : "—"}${v?.peakAt ? ` at ${time(v.peakAt)}` : ""}</td>
              <td>${v?.average ?? "—"}</td>
              <td>${c?.messages ?? 0}</td>
              <td>${c?.uniqueChatters ?? 0}</td>
              <td>${e ? `${e.events} (${amounts(e.amounts)})` : "—"}</td>
            </tr>`;
          })}
        </tbody>
      </table>`}
    ${data &&
    html`<section class="charts" aria-label="Charts">
      <h2>Over the session <span class="hint">(outages shaded red)</span></h2>
      ${data.times.length === 0 && html`<p class="empty">No minute recorded yet.</p>`}
      ${data.times.length > 0 &&
      html`
        <${Chart} testid="chart-viewers" title="Viewers per platform (stacked)" times=${data.times} lines=${data.viewers} outages=${data.outages} stacked=${true} />
        <${Chart} testid="chart-bitrate" title="Bitrate (kbps)" times=${data.times} lines=${data.bitrate} outages=${data.outages} unit=" kbps" />
        <${Chart} testid="chart-chat" title="Chat messages per minute" times=${data.times} lines=${data.chat} outages=${data.outages} />`}
    </section>`}`;
}
