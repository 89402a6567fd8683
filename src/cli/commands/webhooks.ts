import { Option, type Command } from "commander";
import type { Delivery, Webhook } from "../api-types.js";
import { CliError, type ApiClient } from "../client.js";
import { table } from "../format.js";
import { formatDateTime } from "../time.js";
import type { CommandContext } from "../context.js";

const list = (value: string) => value.split(",").map((s) => s.trim()).filter(Boolean);
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit takes a whole number from 1 (got "${value}").`, 2);
  return n;
};

/** A webhook named by its id, or by its description when exactly one has it. */
async function findWebhook(api: ApiClient, ref: string): Promise<Webhook> {
  const hooks = await api.request<Webhook[]>("GET", "/webhooks");
  const found = hooks.find((h) => h.id === ref) ?? (() => {
    const named = hooks.filter((h) => h.description === ref);
    if (named.length > 1) throw new CliError(`${named.length} webhooks are described as "${ref}"; use the id instead (${named.map((h) => h.id).join(", ")}).`);
    return named[0];
  })();
  if (!found) throw new CliError(`No webhook "${ref}". Known: ${hooks.map((h) => h.id).join(", ") || "none yet"} (prism webhook list).`);
  return found;
}

const target = (h: Webhook) => (h.kind === "ifttt" ? `IFTTT ${h.ifttt?.event ?? ""}` : (h.url ?? ""));
const attemptsCell = (d: Delivery) => `${d.attempts.length}${d.lastStatusCode ? ` (HTTP ${d.lastStatusCode})` : d.lastError ? ` (${d.lastError.slice(0, 40)})` : ""}`;

export function webhookCommands(program: Command, context: CommandContext): void {
  const webhook = program.command("webhook").description("Webhook subscriptions (Zapier, IFTTT, your own URL) and their delivery logs");

  webhook
    .command("list")
    .description("List webhook subscriptions (URLs and secrets masked)")
    .action(async (_opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const hooks = await api.request<Webhook[]>("GET", "/webhooks");
      if (out.json) return out.data(hooks);
      if (hooks.length === 0) return out.print("No webhooks. Add one with: prism webhook create --to https://… --events stream.started,destination.failed");
      out.print(table(["ID", "TARGET", "EVENTS", "DESCRIPTION", "CREATED"], hooks.map((h) => [h.id, target(h), h.events.join(","), h.description ?? "", formatDateTime(h.createdAt)])));
    });

  webhook
    .command("create")
    .description("Subscribe a URL (or an IFTTT applet) to events; prints the signing secret this once")
    .option("--to <url>", "where Prism POSTs each event (--url is where Prism is)")
    .option("--ifttt-event <name>", "an IFTTT Webhooks event name (instead of --to)")
    .option("--ifttt-key <key>", "your IFTTT Webhooks key (with --ifttt-event)")
    .requiredOption("--events <types>", "comma-separated event types (prism event types lists them)", list)
    .option("--secret <secret>", "signing secret (16+ characters); generated when absent")
    .option("--description <text>", "what it is for, e.g. \"Discord via Zapier\"")
    .action(async (opts: { to?: string; iftttEvent?: string; iftttKey?: string; events: string[]; secret?: string; description?: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const ifttt = opts.iftttEvent !== undefined || opts.iftttKey !== undefined;
      const created = await api.request<Webhook>("POST", "/webhooks", {
        kind: ifttt ? "ifttt" : "standard",
        ...(opts.to !== undefined && { url: opts.to }),
        ...(ifttt && { ifttt: { event: opts.iftttEvent ?? "", key: opts.iftttKey ?? "" } }),
        events: opts.events,
        ...(opts.secret !== undefined && { secret: opts.secret }),
        ...(opts.description !== undefined && { description: opts.description }),
      });
      if (out.json) return out.data(created);
      out.print(`Created webhook ${created.id} → ${target(created)} for ${created.events.join(", ")}.\n  Signing secret: ${created.secret}\n  Store it now: it is not shown again.`);
    });

  webhook
    .command("show <webhook>")
    .description("One webhook subscription (id, or its description)")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const hook = await api.request<Webhook>("GET", `/webhooks/${(await findWebhook(api, ref)).id}`);
      if (out.json) return out.data(hook);
      out.print([`${hook.id}  ${hook.kind}`, `  Target:  ${target(hook)}`, `  Events:  ${hook.events.join(", ")}`, `  About:   ${hook.description ?? "–"}`, `  Created: ${formatDateTime(hook.createdAt)}`].join("\n"));
    });

  webhook
    .command("delete <webhook>")
    .description("Delete a webhook subscription; nothing more is sent to it")
    .action(async (ref: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const hook = await findWebhook(api, ref);
      await api.request("DELETE", `/webhooks/${hook.id}`);
      if (out.json) return out.data({ deleted: hook.id });
      out.print(`Deleted webhook ${hook.id} (${target(hook)}).`);
    });

  webhook
    .command("deliveries <webhook>")
    .description("The delivery log, newest first: each event sent, its attempts and result")
    .addOption(new Option("--status <status>", "only pending, delivered or dead ones").choices(["pending", "delivered", "dead"]))
    .option("--limit <n>", "at most this many", positiveInt, 20)
    .action(async (ref: string, opts: { status?: string; limit: number }, cmd: Command) => {
      const { api, out } = context(cmd);
      const hook = await findWebhook(api, ref);
      const query = new URLSearchParams({ limit: String(opts.limit), ...(opts.status && { status: opts.status }) });
      const deliveries = await api.request<Delivery[]>("GET", `/webhooks/${hook.id}/deliveries?${query}`);
      if (out.json) return out.data(deliveries);
      if (deliveries.length === 0) return out.print(`No deliveries to ${target(hook)} yet.`);
      out.print(table(["ID", "EVENT", "STATUS", "ATTEMPTS", "CREATED"], deliveries.map((d) => [d.id, `${d.eventType}${d.test ? " (test)" : ""}`, d.status, attemptsCell(d), formatDateTime(d.createdAt)])));
    });

  webhook
    .command("redeliver <webhook> <delivery>")
    .description("Send a delivery again now (e.g. a dead one), with a fresh retry period")
    .action(async (ref: string, deliveryId: string, _opts, cmd: Command) => {
      const { api, out } = context(cmd);
      const hook = await findWebhook(api, ref);
      const queued = await api.request<Delivery>("POST", `/webhooks/${hook.id}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
      if (out.json) return out.data(queued);
      out.print(`Queued ${queued.id} (${queued.eventType}) again; follow it with: prism webhook deliveries ${hook.id}`);
    });

  webhook
    .command("test <webhook>")
    .description("Send an example event now and print the result")
    .option("--type <event>", "which event type's example (default: the first it subscribes to)")
    .action(async (ref: string, opts: { type?: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const hook = await findWebhook(api, ref);
      const result = await api.request<Delivery>("POST", `/webhooks/${hook.id}/test`, opts.type ? { type: opts.type } : {});
      if (out.json) return out.data(result);
      out.print(result.status === "delivered" ? `Delivered a test ${result.eventType} to ${target(hook)} (${attemptsCell(result)}).` : `The test ${result.eventType} was not delivered: ${result.lastError ?? `HTTP ${result.lastStatusCode}`}.`);
    });
}
