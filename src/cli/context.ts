import type { Command } from "commander";
import { ApiClient, resolveConnection } from "./client.js";
import { stdoutOutput, type Output } from "./output.js";

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** What a command needs, from the global options wherever they were given on the command line. */
export type CommandContext = (cmd: Command) => { api: ApiClient; out: Output; options: GlobalOptions };

export const commandContext: CommandContext = (cmd) => {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  const { url, token } = resolveConnection(options);
  return { api: new ApiClient(url, token), out: stdoutOutput(options.json === true), options };
};
