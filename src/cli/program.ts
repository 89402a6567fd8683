import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError } from "./client.js";
import { commandContext } from "./context.js";
import { startCommand } from "./start-command.js";
import { streamCommands } from "./commands/streams.js";
import { destinationCommands } from "./commands/destinations.js";
import { tokenCommands } from "./commands/tokens.js";
import { statusCommand } from "./commands/status.js";
import { recordingCommands } from "./commands/recordings.js";
import { sessionCommands } from "./commands/sessions.js";
import { mediaCommands } from "./commands/media.js";
import { webhookCommands } from "./commands/webhooks.js";
import { eventCommands } from "./commands/events.js";
import { eventLogCommands } from "./commands/event-log.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** `prism …`: `start` runs the service; every other command talks to a Prism over its HTTP API. */
export function buildProgram(): Command {
  const program = new Command("prism")
    .description("Prism: one RTMP ingest from OBS, fanned out live to every destination.\nWith no command (or only --config), runs `prism start`.")
    .version(VERSION)
    .option("--url <url>", "the Prism to talk to (default: $PRISM_URL, else http://127.0.0.1:$PRISM_HTTP_PORT or 8080)")
    .option("--token <token>", "API token (default: $PRISM_TOKEN, else $PRISM_DATA_DIR/api-token or ./data/api-token); prefer the variable, arguments show up in ps")
    .option("--json", "print JSON instead of tables")
    .showHelpAfterError()
    .exitOverride();

  startCommand(program);
  streamCommands(program, commandContext);
  destinationCommands(program, commandContext);
  tokenCommands(program, commandContext);
  webhookCommands(program, commandContext);
  eventCommands(program, commandContext);
  eventLogCommands(program, commandContext);
  statusCommand(program, commandContext);
  recordingCommands(program, commandContext);
  sessionCommands(program, commandContext);
  mediaCommands(program, commandContext);
  return program;
}

/** `prism` and `prism --config x.json` mean `prism start` (what `node dist/main.js` always did). */
function withDefaultCommand(argv: string[]): string[] {
  const args = argv.slice(2);
  const startsWithConfig = args[0] === "--config" || args[0]?.startsWith("--config=") === true;
  return args.length === 0 || startsWithConfig ? [...argv.slice(0, 2), "start", ...args] : argv;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(withDefaultCommand(argv));
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" with exit code 0; real usage errors were already printed.
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
