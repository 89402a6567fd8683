import type { SessionReport } from "../core/session-report.js";

type Cell = string | number | null | undefined;

/**
 * A cell as RFC 4180 wants it, and defused for spreadsheets: a destination name or chatter-given
 * text starting with = + - @ (or a tab/CR) would otherwise run as a formula when the file is opened.
 */
function cell(value: Cell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The report as one long table (section, id, name, metric, value): one row per figure, so a
 * spreadsheet can pivot it and a script can append sessions one under another.
 */
export function reportCsv(r: SessionReport): string {
  const rows: Cell[][] = [["section", "id", "name", "metric", "value"]];
  const session = (metric: string, value: Cell) => rows.push(["session", r.id, r.streamName, metric, value]);
  session("streamId", r.streamId);
  session("startedAt", r.startedAt);
  session("endedAt", r.endedAt);
  session("endReason", r.endReason);
  session("durationSec", r.durationSec);
  session("slateSec", r.slateSec);
  session("switches", r.switches);
  session("viewersPeak", r.viewers.peak);
  session("viewersPeakAt", r.viewers.peakAt);
  session("chatMessages", r.chat.messages);
  session("uniqueChatters", r.chat.uniqueChatters);
  session("engagementEvents", r.engagement.events);
  for (const [currency, value] of Object.entries(r.engagement.amounts)) session(`amount.${currency}`, value);
  for (const d of r.destinations) {
    const dest = (metric: string, value: Cell) => rows.push(["destination", d.id, d.name, metric, value]);
    dest("platform", d.platform);
    dest("uptimePct", d.uptimePct);
    dest("reconnects", d.reconnects);
    dest("longestOutageSec", d.longestOutageSec);
    dest("avgBitrateKbps", d.avgBitrateKbps);
    dest("warnings", d.warnings.join(" | "));
  }
  const platforms = new Set([...Object.keys(r.viewers.byPlatform), ...Object.keys(r.chat.byPlatform), ...Object.keys(r.engagement.byPlatform)]);
  for (const p of platforms) {
    const platform = (metric: string, value: Cell) => rows.push(["platform", p, p, metric, value]);
    const viewers = r.viewers.byPlatform[p];
    if (viewers) {
      platform("viewersPeak", viewers.peak ?? viewers.unavailable);
      platform("viewersPeakAt", viewers.peakAt);
      platform("viewersAverage", viewers.average);
    }
    const chat = r.chat.byPlatform[p];
    if (chat) {
      platform("chatMessages", chat.messages);
      platform("uniqueChatters", chat.uniqueChatters);
    }
    const engagement = r.engagement.byPlatform[p];
    if (engagement) {
      platform("engagementEvents", engagement.events);
      for (const [currency, value] of Object.entries(engagement.amounts)) platform(`amount.${currency}`, value);
    }
  }
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}
