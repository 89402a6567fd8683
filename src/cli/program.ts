import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError } from "./client.js";
import { commandContext, type CommandContext } from "./context.js";
import { startCommand } from "./start-command.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

type Register = (program: Command, context: CommandContext) => void;

/**
 * Each top-level command (the order `prism --help` lists them) and where it is defined. Only the invoked
 * command's module is loaded, so `prism start` does not carry the API commands in memory; help, a typo
 * or no command loads them all so the listing and commander's suggestions stay complete.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["start", async () => startCommand],
  ["stream", async () => (await import("./commands/streams.js")).streamCommands],
  ["destination", async () => (await import("./commands/destinations.js")).destinationCommands],
  ["token", async () => (await import("./commands/tokens.js")).tokenCommands],
  ["webhook", async () => (await import("./commands/webhooks.js")).webhookCommands],
  ["event", async () => (await import("./commands/events.js")).eventCommands],
  ["log", async () => (await import("./commands/event-log.js")).eventLogCommands],
  ["status", async () => (await import("./commands/status.js")).statusCommand],
  ["recordings", async () => (await import("./commands/recordings.js")).recordingCommands],
  ["session", async () => (await import("./commands/sessions.js")).sessionCommands],
  ["media", async () => (await import("./commands/media.js")).mediaCommands],
];

/** Global options that take a value: their value is not the command's name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(["--url", "--token"]);

/** The command named on the command line (the first word that is not a global option or its value). */
export function invokedCommand(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/** `prism …`: `start` runs the service; every other command talks to a Prism over its HTTP API. */
export async function buildProgram(args: string[] = []): Promise<Command> {
  const program = new Command("prism")
    .description("Prism: one RTMP ingest from OBS, fanned out live to every destination.\nWith no command (or only --config), runs `prism start`.")
    .version(VERSION)
    .option("--url <url>", "the Prism to talk to (default: $PRISM_URL, else http://127.0.0.1:$PRISM_HTTP_PORT or 8080)")
    .option("--token <token>", "API token (default: $PRISM_TOKEN, else $PRISM_DATA_DIR/api-token or ./data/api-token); prefer the variable, arguments show up in ps")
    .option("--json", "print JSON instead of tables")
    .showHelpAfterError()
    .exitOverride();

  const invoked = invokedCommand(args);
  const wanted = COMMANDS.some(([name]) => name === invoked) ? COMMANDS.filter(([name]) => name === invoked) : COMMANDS;
  for (const [, load] of wanted) (await load())(program, commandContext);
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
    const args = withDefaultCommand(argv);
    await (await buildProgram(args.slice(2))).parseAsync(args);
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
