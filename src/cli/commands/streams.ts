import type { Command } from "commander";
import type { Stream } from "../api-types.js";
import { table } from "../format.js";
import { findStream } from "../lookup.js";
import type { CommandContext } from "../context.js";

export function streamCommands(program: Command, context: CommandContext): void {
  const stream = program.command("stream").description("Create, list and re-key streams (one OBS ingest each)");

  stream
    .command("create <name>")
    .description("Create a stream; prints the OBS server and stream key (the key in full this once)")
    .action(async (name: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const created = await api.request<Stream>("POST", "/streams", { name });
      if (out.json) return out.data(created);
      out.print(
        `Created stream "${created.name}" (${created.id})\n  Server:     ${created.ingestUrl}\n  Stream Key: ${created.streamKey}\n  Backup Key: ${created.backupStreamKey}  (for a second, backup encoder; optional)`,
      );
    });

  stream
    .command("list")
    .description("List streams (keys masked)")
    .action(async (_opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const streams = await api.request<Stream[]>("GET", "/streams");
      if (out.json) return out.data(streams);
      if (streams.length === 0) return out.print('No streams yet. Create one with: prism stream create "My stream"');
      out.print(table(["ID", "NAME", "LIVE", "KEY", "SERVER"], streams.map((s) => [s.id, s.name, s.live ? "yes" : "no", s.streamKey, s.ingestUrl])));
    });

  stream
    .command("rotate-key <stream>")
    .description("Give a stream (id or name) a new key (--backup: a new backup key); the old one stops working for new publishes")
    .option("--backup", "rotate the backup encoder's key instead of the primary's")
    .action(async (ref: string, opts: { backup?: boolean }, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const which = opts.backup ? "backup" : "primary";
      const rotated = await api.request<Stream>("POST", `/streams/${target.id}/rotate-key`, { which });
      if (out.json) return out.data(rotated);
      if (opts.backup) return out.print(`New backup stream key for "${rotated.name}": ${rotated.backupStreamKey}\nPaste it into the backup encoder's OBS → Settings → Stream → Stream Key.`);
      out.print(`New stream key for "${rotated.name}": ${rotated.streamKey}\nPaste it into OBS → Settings → Stream → Stream Key.`);
    });
}
