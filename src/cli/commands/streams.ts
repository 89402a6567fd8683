import type { Command } from "commander";
import type { Stream } from "../api-types.js";
import { table } from "../format.js";
import { CliError } from "../client.js";
import { findStream } from "../lookup.js";
import type { CommandContext } from "../context.js";

export function streamCommands(program: Command, context: CommandContext): void {
  const stream = program.command("stream").description("Create, list, show, rename, re-key and delete streams (one OBS ingest each)");

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

  stream
    .command("show <stream>")
    .description("One stream (id or name): its OBS server, masked keys and slate")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const found = await api.request<Stream>("GET", `/streams/${(await findStream(api, ref)).id}`);
      if (out.json) return out.data(found);
      out.print(
        [
          `${found.name} (${found.id})  ${found.live ? "live" : "offline"}`,
          `  Server:     ${found.ingestUrl}`,
          ...(found.secureIngestUrl ? [`  Server TLS: ${found.secureIngestUrl}`] : []),
          `  Stream Key: ${found.streamKey}   (prism stream reveal-key "${found.name}" shows it)`,
          `  Backup Key: ${found.backupStreamKey}`,
          `  Slate:      ${found.slate.enabled ? `on, up to ${found.slate.maxSeconds} s` : "off"}`,
        ].join("\n"),
      );
    });

  stream
    .command("reveal-key <stream>")
    .description("Print a stream's keys in full (primary and backup), e.g. to paste into OBS")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const keys = await api.request<{ streamKey: string; backupStreamKey: string }>("POST", `/streams/${target.id}/reveal-key`);
      if (out.json) return out.data(keys);
      out.print(`Stream key of "${target.name}": ${keys.streamKey}\nBackup key:  ${keys.backupStreamKey}`);
    });

  stream
    .command("rename <stream> <name>")
    .description("Give a stream (id or name) a new name")
    .action(async (ref: string, name: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      const updated = await api.request<Stream>("PATCH", `/streams/${target.id}`, { name });
      if (out.json) return out.data(updated);
      out.print(`Renamed "${target.name}" to "${updated.name}".`);
    });

  stream
    .command("delete <stream>")
    .description("Delete a stream (id or name) and its destinations; a live one ends at once (needs --yes)")
    .option("--yes", "really delete it")
    .action(async (ref: string, opts: { yes?: boolean }, cmd: Command) => {
      const { api, out } = context(cmd);
      const target = await findStream(api, ref);
      if (!opts.yes) throw new CliError(`This deletes "${target.name}" and its destinations${target.live ? " and ends it now (it is live)" : ""}. Run again with --yes to do it.`, 2);
      await api.request("DELETE", `/streams/${target.id}`);
      if (out.json) return out.data({ deleted: target.id });
      out.print(`Deleted stream "${target.name}".`);
    });
}
