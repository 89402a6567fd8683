import type { Command } from "commander";
import type { PrismEventView } from "../api-types.js";
import { CliError } from "../client.js";
import { table } from "../format.js";
import { formatDateTime } from "../time.js";
import type { CommandContext } from "../context.js";

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit takes a whole number from 1 (got "${value}").`, 2);
  return n;
};

/** The most telling fields of an event's data, on one line. */
function summary(data: Record<string, unknown>): string {
  const pick = ["streamName", "destinationName", "state", "reason", "downtimeSec", "from", "to", "displayName", "text"];
  return pick.filter((k) => data[k] !== undefined && data[k] !== null).map((k) => `${k}=${String(data[k]).slice(0, 60)}`).join("  ");
}

export function eventLogCommands(program: Command, context: CommandContext): void {
  const log = program.command("log").description("The event log (what webhooks are sent) and the catalog of event types");

  log
    .command("list")
    .description("Recent events, newest first")
    .option("--type <types>", "only these types, comma-separated")
    .option("--limit <n>", "at most this many", positiveInt, 20)
    .action(async (opts: { type?: string; limit: number }, cmd: Command) => {
      const { api, out } = context(cmd);
      const query = new URLSearchParams({ limit: String(opts.limit), ...(opts.type && { type: opts.type }) });
      const events = await api.request<PrismEventView[]>("GET", `/events?${query}`);
      if (out.json) return out.data(events);
      if (events.length === 0) return out.print("No events yet.");
      out.print(table(["WHEN", "TYPE", "DETAILS"], events.map((e) => [formatDateTime(e.createdAt), e.type, summary(e.data as Record<string, unknown>)])));
    });

  log
    .command("types")
    .description("Every event type and what it means")
    .action(async (_opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const types = await api.request<Array<{ type: string; description: string }>>("GET", "/events/types");
      if (out.json) return out.data(types);
      out.print(types.map((t) => `${t.type}\n  ${t.description}`).join("\n\n"));
    });
}
