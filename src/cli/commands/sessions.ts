import type { Command } from "commander";
import type { SessionReport } from "../api-types.js";
import { table } from "../format.js";
import { findStream } from "../lookup.js";
import type { CommandContext } from "../context.js";

const minutes = (sec: number) => (sec >= 60 ? `${Math.floor(sec / 60)} min ${String(Math.round(sec % 60)).padStart(2, "0")} s` : `${Math.round(sec)} s`);

/** A session's report as text: the summary, then one line per destination. */
export function renderReport(r: SessionReport): string {
  const lines = [
    `${r.streamName}  ${r.startedAt} → ${r.endedAt ?? "live"}${r.endReason ? `  (${r.endReason})` : ""}`,
    `Duration ${minutes(r.durationSec)} · slate ${minutes(r.slateSec)} · ${r.switches} encoder switch(es)`,
    `Viewers: peak ${r.viewers.peak ?? "n/a"}${r.viewers.peakAt ? ` at ${r.viewers.peakAt}` : ""} · chat ${r.chat.messages} messages from ${r.chat.uniqueChatters} chatters · ${r.engagement.events} engagement event(s)`,
    "",
  ];
  const rows = r.destinations.map((d) => [d.name, d.platform, `${d.uptimePct} %`, String(d.reconnects), minutes(d.longestOutageSec), d.avgBitrateKbps === null ? "-" : `${d.avgBitrateKbps} kbps`]);
  lines.push(rows.length ? table(["DESTINATION", "PLATFORM", "UPTIME", "RECONNECTS", "LONGEST OUTAGE", "AVG BITRATE"], rows) : "No destination went live.");
  return lines.join("\n");
}

export function sessionCommands(program: Command, context: CommandContext): void {
  const session = program.command("session").description("Broadcast sessions (publish to final end) and their reports");

  session
    .command("list <stream>")
    .description("A stream's sessions (id or name), newest first")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const stream = await findStream(api, ref);
      const { sessions } = await api.request<{ sessions: SessionReport[] }>("GET", `/streams/${stream.id}/sessions`);
      if (out.json) return out.data(sessions);
      if (sessions.length === 0) return out.print(`No session of "${stream.name}" yet: one starts when OBS publishes to it.`);
      out.print(table(["ID", "STARTED", "DURATION", "PEAK VIEWERS", "CHAT"], sessions.map((s) => [s.id, s.startedAt, s.endedAt ? minutes(s.durationSec) : "live", String(s.viewers.peak ?? "-"), String(s.chat.messages)])));
    });

  session
    .command("show <sessionId>")
    .description("A session's report (so far, while live)")
    .action(async (id: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const report = await api.request<SessionReport>("GET", `/sessions/${encodeURIComponent(id)}`);
      if (out.json) return out.data(report);
      out.print(renderReport(report));
    });
}
