import { ConfigError, loadConfig } from "../config.js";
import { SettingNotAvailable, startPrism, type Prism } from "../service.js";
import { maskSecret } from "../secrets/tokens.js";

/** How long shutdown may take before Prism gives up waiting and exits non-zero. */
const SHUTDOWN_LIMIT_MS = 10_000;

/** `prism start`: load the settings, run the service, print what OBS needs, stop cleanly on a signal. */
export async function runStart(opts: { config?: string }): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { file: opts.config });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n\nRun "prism start --help" for every setting.\n`);
    process.exit(2);
  }
  let prism: Prism;
  try {
    prism = await startPrism(config);
  } catch (err) {
    if (err instanceof SettingNotAvailable) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    // Another running node has this PRISM_NODE_ID (cluster/nodes.ts), or NATS could not be reached: said plainly, no stack.
    if (err instanceof Error && (err.name === "DuplicateNodeIdError" || err.name === "ClusterUnavailableError")) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === "EADDRINUSE") {
      process.stderr.write(`A port Prism needs is already in use (${e.message}). Stop the other program or set PRISM_RTMP_PORT / PRISM_HTTP_PORT.\n`);
      process.exit(1);
    }
    throw err;
  }
  await printBanner(prism, config.configFile);
  stopOnSignals(prism, config.cluster !== undefined);
}

/**
 * SIGTERM (docker stop, systemd) or SIGINT (Ctrl-C): stop taking publishes, close every destination
 * cleanly, close the database, exit 0. If that takes longer than 10 s, exit 1 anyway. A cluster node
 * drains first on SIGTERM: it refuses new publishers and fails its health check, and waits up to
 * PRISM_DRAIN_SECONDS for its live streams to end or move to another node.
 */
function stopOnSignals(prism: Prism, clustered: boolean): void {
  const shutdown = async (signal: string) => {
    if (clustered && signal === "SIGTERM") {
      prism.log.info({ signal }, "draining: refusing new publishers until the live streams end or move to another node");
      await prism.drain();
    }
    const started = Date.now();
    prism.log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      prism.log.error({ limitMs: SHUTDOWN_LIMIT_MS }, "shutdown took too long; exiting anyway");
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    prism.stop().then(
      () => {
        prism.log.info({ ms: Date.now() - started }, "shut down cleanly");
        prism.log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        prism.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

/**
 * What to paste into OBS (every stream's key), where the dashboard is and which token to use.
 * Secrets are shown in full only to a person at a terminal: when stdout is a file or a log
 * collector, they are masked and the banner says where to find them instead.
 */
async function printBanner(prism: Prism, configFile: string | undefined): Promise<void> {
  const streams = await prism.streams.list();
  if (streams.length === 0) streams.push(await prism.streams.create("My stream"));
  const tty = process.stdout.isTTY === true;
  const show = (secret: string) => (tty ? secret : maskSecret(secret));
  const token = prism.adminToken;
  const tokenHint = tty ? "" : token.source === "file" ? `  (in ${token.path})` : "  (from PRISM_API_TOKEN)";
  const keyHint = tty ? "" : `  (prism stream reveal-key <name>)`;
  const width = Math.max(...streams.map((s) => s.name.length));
  process.stdout.write(
    [
      "",
      "  Prism is running.",
      "",
      `  Dashboard:    ${prism.apiUrl}/`,
      "",
      `  OBS → Settings → Stream → Service: Custom…`,
      `    Server:     ${prism.ingestUrl}`,
      `    Stream Key${streams.length > 1 ? "s" : ""}:${keyHint}`,
      ...streams.map((s) => `      ${s.name.padEnd(width)}  ${show(s.streamKey)}`),
      "",
      `  API:          ${prism.apiUrl}/api/v1   (Authorization: Bearer <token>)`,
      `  API token:    ${show(token.value)}${tokenHint}`,
      `  API docs:     ${prism.apiUrl}/docs`,
      ...(configFile ? [`  Settings:     ${configFile} + environment`] : []),
      "",
      "",
    ].join("\n"),
  );
}
