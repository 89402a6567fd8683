import type { Command } from "commander";
import type { Destination } from "../api-types.js";
import { table } from "../format.js";
import { findDestination, findStream } from "../lookup.js";
import type { CommandContext } from "../context.js";

export function destinationCommands(program: Command, context: CommandContext): void {
  const destination = program.command("destination").description("Add, list, enable and disable a stream's destinations");

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
}
