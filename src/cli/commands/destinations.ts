import type { Command } from "commander";
import type { Destination } from "../api-types.js";
import { table } from "../format.js";
import { findDestination, findStream } from "../lookup.js";
import { CliError } from "../client.js";
import type { CommandContext } from "../context.js";

export function destinationCommands(program: Command, context: CommandContext): void {
  const destination = program.command("destination").description("Add, list, edit, enable, disable and remove a stream's destinations");

  destination
    .command("add <stream>")
    .description("Add a destination to a stream (id or name); it starts at once if the stream is live")
    .requiredOption("--name <name>", "what to call it, e.g. \"My channel\"")
    .requiredOption("--server <url>", "the platform's server URL, e.g. rtmp://live.example.com/app (--url is where Prism is)")
    .requiredOption("--key <streamKey>", "the platform's stream key")
    .option("--platform <platform>", "platform adapter", "custom")
    .option("--disabled", "add it switched off")
    .action(async (ref: string, opts: { name: string; server: string; key: string; platform: string; disabled?: boolean }, cmd: Command) => {
      const { api, out } = context(cmd);
      const stream = await findStream(api, ref);
      const created = await api.request<Destination>("POST", `/streams/${stream.id}/destinations`, {
        platform: opts.platform,
        name: opts.name,
        url: opts.server,
        streamKey: opts.key,
        enabled: !opts.disabled,
      });
      if (out.json) return out.data(created);
      out.print(`Added "${created.name}" (${created.id}) to "${stream.name}": ${created.url} ${created.enabled ? "enabled" : "disabled"}`);
    });

  destination
    .command("list <stream>")
    .description("List a stream's destinations (keys masked)")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const stream = await findStream(api, ref);
      const list = await api.request<Destination[]>("GET", `/streams/${stream.id}/destinations`);
      if (out.json) return out.data(list);
      if (list.length === 0) return out.print(`"${stream.name}" has no destinations yet. Add one with: prism destination add "${stream.name}" --name … --url … --key …`);
      out.print(table(["ID", "NAME", "ENABLED", "URL", "KEY"], list.map((d) => [d.id, d.name, d.enabled ? "yes" : "no", d.url, d.streamKey])));
    });

  for (const [verb, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    destination
      .command(`${verb} <stream> <destination>`)
      .description(`${enabled ? "Switch a destination on" : "Switch a destination off"}; acts at once on a live stream without touching the others`)
      .action(async (streamRef: string, destRef: string, _opts, cmd: Command) => {
        const { api, out } = context(cmd);
        const stream = await findStream(api, streamRef);
        const target = await findDestination(api, stream, destRef);
        const updated = await api.request<Destination>("PATCH", `/streams/${stream.id}/destinations/${target.id}`, { enabled });
        if (out.json) return out.data(updated);
        out.print(`"${updated.name}" on "${stream.name}" is ${updated.enabled ? "enabled" : "disabled"}.`);
      });
  }

  destination
    .command("edit <stream> <destination>")
    .description("Change a destination's name, server, key or transcoding; a live one reconnects only if where it pushes changed")
    .option("--name <name>", "a new name")
    .option("--server <url>", "a new server URL")
    .option("--key <streamKey>", "a new stream key")
    .option("--transcode <mode>", "copy, auto, or a JSON profile as the API takes it")
    .action(async (streamRef: string, destRef: string, opts: { name?: string; server?: string; key?: string; transcode?: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const body = {
        ...(opts.name !== undefined && { name: opts.name }),
        ...(opts.server !== undefined && { url: opts.server }),
        ...(opts.key !== undefined && { streamKey: opts.key }),
        ...(opts.transcode !== undefined && { transcode: parseTranscode(opts.transcode) }),
      };
      if (Object.keys(body).length === 0) throw new CliError("Nothing to change: give --name, --server, --key and/or --transcode.", 2);
      const stream = await findStream(api, streamRef);
      const target = await findDestination(api, stream, destRef);
      const updated = await api.request<Destination>("PATCH", `/streams/${stream.id}/destinations/${target.id}`, body);
      if (out.json) return out.data(updated);
      out.print(`Updated "${updated.name}" on "${stream.name}": ${updated.url} ${updated.enabled ? "enabled" : "disabled"}, transcode ${typeof updated.transcode === "string" ? updated.transcode : "custom profile"}.`);
    });

  destination
    .command("remove <stream> <destination>")
    .description("Remove a destination; a live one stops at once, the others carry on")
    .action(async (streamRef: string, destRef: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const stream = await findStream(api, streamRef);
      const target = await findDestination(api, stream, destRef);
      await api.request("DELETE", `/streams/${stream.id}/destinations/${target.id}`);
      if (out.json) return out.data({ removed: target.id });
      out.print(`Removed "${target.name}" from "${stream.name}".`);
    });
}

/** "copy" and "auto" as they are; anything else must be a JSON profile (Prism validates it and says what is wrong). */
function parseTranscode(value: string): unknown {
  if (value === "copy" || value === "auto") return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new CliError(`--transcode takes copy, auto or a JSON profile (got "${value}").`, 2);
  }
}
