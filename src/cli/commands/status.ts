import { InvalidArgumentError, type Command } from "commander";
import type { ApiClient } from "../client.js";
import { CliError } from "../client.js";
import type { Stream, StreamHealth } from "../api-types.js";
import { colours, formatBytes, formatDuration, formatKbps, plain, table, type Paint } from "../format.js";
import type { CommandContext } from "../context.js";

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

/** One frame: per stream, its ingest on one line and a table of its destinations. */
export function renderStatus(url: string, statuses: StreamStatus[], paint: Paint, now = new Date()): string {
  const lines = [paint.bold(`Prism at ${url}`) + paint.dim(`  ${now.toLocaleTimeString()}`), ""];
  if (statuses.length === 0) lines.push('No streams yet. Create one with: prism stream create "My stream"');
  for (const { stream, health } of statuses) {
    const ingest = health.ingest;
    const summary = ingest
      ? `${paint.green("● live")}  ${formatKbps(ingest.bitrateKbps)}  ${ingest.fps} fps  ${[ingest.videoCodec, ingest.audioCodec].filter(Boolean).join("/")}${ingest.width ? `  ${ingest.width}x${ingest.height}` : ""}  up ${formatDuration(ingest.uptimeMs)}`
      : paint.dim("○ offline");
    lines.push(`${paint.bold(stream.name)}  ${summary}`);
    if (ingest) lines.push(...encoderLines(health, paint));
    for (const warning of health.ingestWarnings) lines.push(paint.yellow(`  ! ${warning}`));
    if (health.destinations.length === 0) {
      lines.push(paint.dim("  no destinations"), "");
      continue;
    }
    const rows = health.destinations.map((d) => [
      d.name,
      paintState(d.state, paint) + (d.state === "reconnecting" && d.attempt > 0 ? paint.dim(` #${d.attempt}`) : ""),
      formatKbps(d.bitrateKbps),
      formatBytes(d.bytesOut),
      String(d.reconnects),
      formatDuration(d.uptimeMs),
      d.lastError ? paint.red(d.lastError.length > 80 ? `${d.lastError.slice(0, 79)}…` : d.lastError) : "",
    ]);
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
