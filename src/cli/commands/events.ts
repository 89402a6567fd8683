import type { Command } from "commander";
import type { ScheduledEvent } from "../api-types.js";
import { table } from "../format.js";
import { findStream } from "../lookup.js";
import type { CommandContext } from "../context.js";

/** What each platform answered, in one cell: "<platform>:announced <platform>:refused". */
const answers = (e: ScheduledEvent) => e.announcements.map((a) => `${a.platform}:${a.state}`).join(" ") || "-";

/** The refusals in words, one line each, for the streamer to act on. */
const refusals = (e: ScheduledEvent) => e.announcements.filter((a) => a.message && a.state !== "announced" && a.state !== "withdrawn").map((a) => `  ${a.platform}: ${a.message}`);

export function eventCommands(program: Command, context: CommandContext): void {
  const event = program.command("event").description("Plan broadcasts ahead: scheduled events, announced on each linked platform");

  event
    .command("create <stream>")
    .description("Schedule a broadcast on a stream (id or name); it is announced on each linked platform that can take it")
    .requiredOption("--title <title>", "what viewers see")
    .requiredOption("--starts <time>", "when it starts, ISO 8601 with its offset, e.g. 2025-06-06T19:00:00Z")
    .option("--ends <time>", "when it ends, ISO 8601")
    .option("--description <text>", "the broadcast's description")
    .option("--media <mediaId>", "play an uploaded video (prism media upload) instead of waiting for OBS")
    .option("--loop", "with --media: repeat the video until --ends")
    .action(async (ref: string, opts: { title: string; starts: string; ends?: string; description?: string; media?: string; loop?: boolean }, cmd: Command) => {
      const { api, out } = context(cmd);
      const stream = await findStream(api, ref);
      const created = await api.request<ScheduledEvent>("POST", `/streams/${stream.id}/events`, {
        title: opts.title,
        startsAt: opts.starts,
        ...(opts.ends && { endsAt: opts.ends }),
        ...(opts.description && { description: opts.description }),
        ...(opts.media && { source: { type: "media", mediaId: opts.media, loop: Boolean(opts.loop) } }),
      });
      if (out.json) return out.data(created);
      out.print([`Scheduled "${created.title}" (${created.id}) on "${stream.name}" for ${created.startsAt}.`, `Platforms: ${answers(created)}`, ...refusals(created)].join("\n"));
    });

  event
    .command("list <stream>")
    .description("List a stream's scheduled events, upcoming and past, with what each platform answered")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const stream = await findStream(api, ref);
      const list = await api.request<ScheduledEvent[]>("GET", `/streams/${stream.id}/events`);
      if (out.json) return out.data(list);
      if (list.length === 0) return out.print(`"${stream.name}" has no scheduled events. Plan one with: prism event create "${stream.name}" --title … --starts 2025-06-06T19:00:00Z`);
      out.print(table(["ID", "STARTS", "STATUS", "SOURCE", "TITLE", "PLATFORMS"], list.map((e) => [e.id, e.startsAt, e.status, e.source.type, e.title, answers(e)])));
    });

  event
    .command("cancel <eventId>")
    .description("Cancel a scheduled event; it is taken back from each platform")
    .action(async (eventId: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const cancelled = await api.request<ScheduledEvent>("DELETE", `/events/${encodeURIComponent(eventId)}`);
      if (out.json) return out.data(cancelled);
      out.print([`Cancelled "${cancelled.title}" (${cancelled.id}).`, `Platforms: ${answers(cancelled)}`, ...refusals(cancelled)].join("\n"));
    });
}
