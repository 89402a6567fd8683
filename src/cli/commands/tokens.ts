import { Option, type Command } from "commander";
import type { CreatedToken, Token } from "../api-types.js";
import { CliError } from "../client.js";
import { table } from "../format.js";
import { formatDateTime } from "../time.js";
import type { CommandContext } from "../context.js";

// Prism validates the scope names itself and says which ones it takes.
const parseScopes = (value: string) => value.split(",").map((s) => s.trim()).filter(Boolean);

export function tokenCommands(program: Command, context: CommandContext): void {
  const token = program.command("token").description("Named API tokens with scopes (needs an admin token)");

  token
    .command("create <name>")
    .description("Create a named token; prints it this once (Prism keeps only a hash)")
    .addOption(new Option("--scopes <scopes>", "comma-separated: read (every GET), write (changes, implies read), admin (tokens, implies write), moderate (the stream chat and reading streams and health only)").default("read"))
    .action(async (name: string, opts: { scopes: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const created = await api.request<CreatedToken>("POST", "/tokens", { name, scopes: parseScopes(opts.scopes) });
      if (out.json) return out.data(created);
      out.print(`Created token "${created.name}" with scope(s) ${created.scopes.join(", ")}:\n\n  ${created.token}\n\nStore it now: it is not shown again.`);
    });

  token
    .command("list")
    .description("List named tokens (never the tokens themselves)")
    .action(async (_opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const tokens = await api.request<Token[]>("GET", "/tokens");
      if (out.json) return out.data(tokens);
      if (tokens.length === 0) return out.print("No named tokens. Create one with: prism token create grafana --scopes read");
      out.print(table(["ID", "NAME", "SCOPES", "ENDS IN", "LAST USED"], tokens.map((t) => [t.id, t.name, t.scopes.join(","), t.hint, t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "never"])));
    });

  token
    .command("delete <token>")
    .description("Delete a named token (id or name); it stops working at once")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const tokens = await api.request<Token[]>("GET", "/tokens");
      const target = tokens.find((t) => t.id === ref) ?? tokens.find((t) => t.name === ref);
      if (!target) throw new CliError(`No token "${ref}". Known: ${tokens.map((t) => `"${t.name}"`).join(", ") || "none"}.`);
      await api.request("DELETE", `/tokens/${target.id}`);
      if (out.json) return out.data({ deleted: target.id });
      out.print(`Deleted token "${target.name}".`);
    });

  token
    .command("rotate-admin")
    .description("Replace the admin token; the old one stops working at once")
    .action(async (_opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const rotated = await api.request<{ token: string }>("POST", "/tokens/admin/rotate");
      if (out.json) return out.data(rotated);
      out.print(`New admin token (also written to Prism's data dir):\n\n  ${rotated.token}\n`);
    });
}
