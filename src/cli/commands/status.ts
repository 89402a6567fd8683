import { InvalidArgumentError, type Command } from "commander";
import type { ApiClient } from "../client.js";
import { CliError } from "../client.js";
import type { Stream, StreamHealth } from "../api-types.js";
import { colours, formatBytes, formatDuration, formatKbps, plain, table, type Paint } from "../format.js";
import type { CommandContext } from "../context.js";
import { formatTime } from "../time.js";

interface StreamStatus {
  stream: Stream;
  health: StreamHealth;
}

async function fetchStatus(api: ApiClient, only: string | undefined): Promise<StreamStatus[]> {
  const streams = await api.request<Stream[]>("GET", "/streams");
  const chosen = only === undefined ? streams : streams.filter((s) => s.id === only || s.name === only);
  if (only !== undefined && chosen.length === 0) throw new CliError(`No stream "${only}". Known: ${streams.map((s) => `"${s.name}"`).join(", ") || "none yet"}.`);
  return Promise.all(chosen.map(async (stream) => ({ stream, health: await api.request<StreamHealth>("GET", `/streams/${stream.id}/health`) })));
}

function paintState(state: string, paint: Paint): string {
  if (state === "live") return paint.green(state);
  if (state === "connecting" || state === "reconnecting") return paint.yellow(state);
  if (state === "failed") return paint.red(state);
  return paint.dim(state);
}

const INGEST_LABEL: Record<StreamHealth["ingestState"], string> = {
  publisher: "LIVE",
  backup: "BACKUP",
  slate: "SLATE",
  stalled: "STALLED",
  resuming: "RESUMING",
  offline: "OFFLINE",
};

/** The ingest first, in its own colour: what is on air, and what happens next (with the slate's countdown). */
function ingestLine(health: StreamHealth, paint: Paint): string {
  const { tone, headline, next } = health.ingestStatus;
  const label = ` ${INGEST_LABEL[health.ingestState]} `;
  const badge = tone === "alert" ? paint.alarm(label) : tone === "warn" ? paint.bold(paint.yellow(`[${label.trim()}]`)) : tone === "ok" ? paint.bold(paint.cyan(`[${label.trim()}]`)) : paint.dim(`[${label.trim()}]`);
  const words = `${headline}; ${next}.`;
  return `${badge}  ${tone === "alert" ? paint.bold(paint.red(words)) : tone === "off" ? paint.dim(words) : words}`;
}

/** The last error: red while it is the current problem, dimmed with its time once it is history. */
function lastErrorCell(d: StreamHealth["destinations"][number], paint: Paint): string {
  if (!d.lastError) return "";
  const text = d.lastError.length > 80 ? `${d.lastError.slice(0, 79)}…` : d.lastError;
  const at = d.lastErrorAt ? formatTime(d.lastErrorAt) : "";
  return d.lastErrorCurrent ? paint.red(`${at ? `${at} ` : ""}${text}`) : paint.dim(`earlier${at ? ` (${at})` : ""}: ${text}`);
}

const stateCell = (d: StreamHealth["destinations"][number], paint: Paint) =>
  paintState(d.state, paint) + (d.state === "reconnecting" && d.attempt > 0 ? paint.dim(` (retry ${d.attempt}${d.nextRetryAt ? ` at ${formatTime(d.nextRetryAt)}` : ""})`) : "");

/** One frame: per stream, its ingest state in words, its encoders, and a table of its destinations. */
export function renderStatus(url: string, statuses: StreamStatus[], paint: Paint, now = new Date()): string {
  const lines = [paint.bold(`Prism at ${url}`) + paint.dim(`  ${formatTime(now)}`), ""];
  if (statuses.length === 0) lines.push('No streams yet. Create one with: prism stream create "My stream"');
  for (const { stream, health } of statuses) {
    lines.push(`${paint.bold(stream.name)}  ${ingestLine(health, paint)}`);
    const ingest = health.ingest;
    if (ingest) {
      lines.push(
        paint.dim(`  in: ${formatKbps(ingest.bitrateKbps)}  ${ingest.fps} fps  ${[ingest.videoCodec, ingest.audioCodec].filter(Boolean).join("/")}${ingest.width ? `  ${ingest.width}x${ingest.height}` : ""}  up ${formatDuration(ingest.uptimeMs)}`),
        ...encoderLines(health, paint),
      );
    }
    for (const warning of health.ingestWarnings) lines.push(paint.yellow(`  ! ${warning}`));
    if (health.destinations.length === 0) {
      lines.push(paint.dim("  no destinations"), "");
      continue;
    }
    const rows = health.destinations.map((d) => [d.name, stateCell(d, paint), formatKbps(d.bitrateKbps), formatBytes(d.bytesOut), String(d.reconnects), formatDuration(d.uptimeMs), lastErrorCell(d, paint)]);
    lines.push(table(["DESTINATION", "STATE", "BITRATE", "SENT", "RECONNECTS", "UPTIME", "LAST ERROR"], rows, "  "), "");
  }
  return lines.join("\n");
}

/** Both encoders, and which one destinations get. */
function encoderLines(health: StreamHealth, paint: Paint): string[] {
  const onAir = health.ingestState === "backup" ? "backup" : health.ingestState === "publisher" ? "primary" : null;
  return (["primary", "backup"] as const).map((input) => {
    const e = health.ingest![input];
    const label = input === "primary" ? "PRIMARY" : "BACKUP ";
    if (!e.connected) return `  ${label}  ${paint.dim("○ not connected")}`;
    const state = onAir === input ? paint.green("● on air") : paint.dim("● standby");
    const codecs = [e.codecs.video, e.codecs.audio].filter(Boolean).join("/");
    return `  ${label}  ${state}  ${formatKbps(e.bitrateKbps)}  ${e.fps} fps  ${codecs}${e.size ? `  ${e.size.width}x${e.size.height}` : ""}`;
  });
}

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.2) throw new InvalidArgumentError("give a number of seconds, at least 0.2");
  return n;
};

export function statusCommand(program: Command, context: CommandContext): void {
  program
    .command("status [stream]")
    .description("Live table of every destination's health, refreshing until Ctrl-C (--once: print once)")
    .option("--once", "print one table and exit")
    .option("--interval <seconds>", "seconds between refreshes", seconds, 2)
    .action(async (only: string | undefined, opts: { once?: boolean; interval: number }, cmd: Command) => {
      const { api, out } = context(cmd);
      if (opts.once || out.json) {
        const statuses = await fetchStatus(api, only);
        if (out.json) return out.data(statuses.map(({ stream, health }) => ({ id: stream.id, name: stream.name, ...health })));
        return out.print(renderStatus(api.url, statuses, process.stdout.isTTY ? colours : plain));
      }
      await watch(api, only, opts.interval * 1000);
    });
}

/**
 * Redraws in place on a terminal; elsewhere (a pipe, a log) prints one frame after another. Keeps
 * going while Prism is unreachable (e.g. restarting) and says so in the frame.
 */
async function watch(api: ApiClient, only: string | undefined, intervalMs: number): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const paint = tty ? colours : plain;
  let stopped = false;
  let wake: () => void = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (tty) process.stdout.write("\x1b[?25l"); // hide the cursor while redrawing
  try {
    while (!stopped) {
      let frame: string;
      try {
        frame = renderStatus(api.url, await fetchStatus(api, only), paint);
      } catch (err) {
        if (err instanceof CliError && only !== undefined && err.message.startsWith("No stream")) throw err;
        frame = `${paint.bold(`Prism at ${api.url}`)}\n\n${paint.red((err as Error).message)}\n`;
      }
      const footer = paint.dim(`Refreshing every ${intervalMs / 1000} s · Ctrl-C to quit`);
      process.stdout.write(tty ? `\x1b[H\x1b[2J${frame}\n${footer}\n` : `${frame}\n\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    if (tty) process.stdout.write("\x1b[?25h");
  }
}
