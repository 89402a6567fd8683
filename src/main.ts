#!/usr/bin/env node
import { ConfigError, describeSettings, loadConfig } from "./config.js";
import { startPrism, type Prism } from "./service.js";
import { maskSecret } from "./secrets/tokens.js";

const USAGE = `Usage: prism [start] [--help]

Starts the Prism relay: an RTMP ingest for OBS and an HTTP API, with the stream fanned out
to every enabled destination. Settings come from the environment:

${describeSettings()}
`;

async function main(argv: string[]): Promise<void> {
  const args = argv.filter((a) => a !== "start");
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.length > 0) {
    process.stderr.write(`Unknown argument(s): ${args.join(" ")}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }

  const prism = await startPrism(loadConfig());
  printBanner(prism);

  const shutdown = (signal: string) => {
    prism.log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    prism.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        prism.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

/**
 * What to paste into OBS and which token to use. Secrets are shown in full only to a person at a
 * terminal: when stdout is a file or a log collector, they are masked and the banner says where to
 * find them instead.
 */
function printBanner(prism: Prism): void {
  const stream = prism.streams.list()[0] ?? prism.streams.create("My stream");
  const tty = process.stdout.isTTY === true;
  const show = (secret: string) => (tty ? secret : maskSecret(secret));
  const token = prism.adminToken;
  const tokenHint = tty ? "" : token.source === "file" ? `  (in ${token.path})` : "  (from PRISM_API_TOKEN)";
  const keyHint = tty ? "" : `  (POST ${prism.apiUrl}/api/v1/streams/${stream.id}/reveal-key)`;
  process.stdout.write(
    [
      "",
      "  Prism is running.",
      "",
      `  OBS → Settings → Stream → Service: Custom…`,
      `    Server:     ${prism.ingestUrl}`,
      `    Stream Key: ${show(stream.streamKey)}${keyHint}      ("${stream.name}")`,
      "",
      `  API:          ${prism.apiUrl}/api/v1   (Authorization: Bearer <token>)`,
      `  API token:    ${show(token.value)}${tokenHint}`,
      "",
      "",
    ].join("\n"),
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n\nRun "prism --help" for every setting.\n`);
    process.exit(2);
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EADDRINUSE") {
    process.stderr.write(`A port Prism needs is already in use (${e.message}). Stop the other program or set PRISM_RTMP_PORT / PRISM_HTTP_PORT.\n`);
    process.exit(1);
  }
  process.stderr.write(`Prism failed to start: ${e.stack ?? String(err)}\n`);
  process.exit(1);
});
