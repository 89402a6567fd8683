import type { Command } from "commander";
import { DEFAULT_CONFIG_FILE, describeSettings } from "../config.js";

export function startCommand(program: Command): void {
  program
    .command("start")
    .description("Run Prism: the RTMP ingest for OBS, the fan-out to every destination, and the HTTP API")
    .option("--config <file>", `a JSON settings file (default: $PRISM_CONFIG, else ./${DEFAULT_CONFIG_FILE} if it exists)`)
    .addHelpText(
      "after",
      `
Settings come from the environment and, optionally, a JSON file whose keys are the second column
(e.g. { "rtmpPort": 1935, "dataDir": "/var/lib/prism" }). The environment wins over the file.

  ${"Environment variable".padEnd(34)} ${"prism.config.json key".padEnd(26)} Meaning
${describeSettings()}
`,
    )
    // The service is loaded only to run it, so the API commands start fast.
    .action(async (opts: { config?: string }) => (await import("./start.js")).runStart(opts));
}
