import { existsSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { spawnTracked, type TrackedProcess } from "./children.js";
import { freePort } from "./ports.js";
import { makeTempDir, removeTempDir } from "./tmp.js";

/** Debian's nats-server (2.9 on bookworm), what .ci/run installs. */
export const NATS_SERVER = process.env.PRISM_TEST_NATS_SERVER ?? "/usr/sbin/nats-server";

/**
 * A real nats-server with JetStream on 127.0.0.1 and a free port, its store in a scratch directory. `stop`
 * kills it (as a crash would), `start` brings it back on the same port and store, so clients reconnect and
 * file-stored buckets survive.
 */
export interface TestNats {
  port: number;
  url: string;
  storeDir: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Freezes the server (SIGSTOP): connections stay open but nothing is read or answered, as on an overloaded host.
   * Resolves once every thread of it is stopped: the signal lands asynchronously, and a server still running for a
   * moment after kill() answers what it already read.
   */
  pause(): Promise<void>;
  /** Thaws it (SIGCONT). */
  resume(): void;
  /** Stops the server and deletes its store. */
  dispose(): Promise<void>;
}

/** `jetstream: false` starts a server without JetStream (what a cluster must refuse). */
export async function startNats(options: { jetstream?: boolean } = {}): Promise<TestNats> {
  if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is missing: apt-get install -y nats-server (or set PRISM_TEST_NATS_SERVER)`);
  const storeDir = await makeTempDir("prism-nats-");
  let port = await freePort();
  let server: TrackedProcess | undefined;
  const nats: TestNats = {
    get port() {
      return port;
    },
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    storeDir,
    async start() {
      if (server && !server.hasExited()) return;
      server = await launch(port, storeDir, options.jetstream ?? true);
    },
    async stop(signal = "SIGKILL") {
      await server?.stop(signal, 5_000);
    },
    async pause() {
      if (!server) return;
      server.process.kill("SIGSTOP");
      await allThreadsStopped(server.pid);
    },
    resume() {
      server?.process.kill("SIGCONT");
    },
    async dispose() {
      await nats.stop("SIGTERM");
      await removeTempDir(storeDir);
    },
  };
  // A neighbour may take the port between freePort() and the bind: pick another once, before anyone knows it.
  try {
    await nats.start();
  } catch (err) {
    if (!/address already in use/i.test(String(err))) throw err;
    port = await freePort();
    await nats.start();
  }
  return nats;
}

/** Starts nats-server and resolves when it logs that it is ready for clients (rejects if it exits first). */
async function launch(port: number, storeDir: string, jetstream: boolean): Promise<TrackedProcess> {
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  let seen = "";
  const server = spawnTracked(NATS_SERVER, [...(jetstream ? ["-js"] : []), "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
    onStderr: (chunk) => {
      seen = (seen + chunk).slice(-4096);
      if (seen.includes("Server is ready")) ready();
    },
  });
  const outcome = await Promise.race([isReady.then(() => "ready" as const), server.exited]);
  if (outcome !== "ready") throw new Error(`nats-server exited before it was ready (code ${outcome.code}): ${outcome.stderr.slice(-2000)}`);
  return server;
}

/** Waits until /proc shows every thread of `pid` stopped ("T"), as it does a few milliseconds after SIGSTOP. */
async function allThreadsStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const states = readdirSync(`/proc/${pid}/task`).map((tid) => threadState(pid, tid));
    if (states.every((state) => state === "T" || state === "t")) return;
    if (Date.now() > deadline) throw new Error(`nats-server ${pid} did not stop after SIGSTOP (thread states ${states.join("")})`);
    await delay(1);
  }
}

/** The state letter of /proc/<pid>/task/<tid>/stat: the field after the command name, which may hold spaces. */
function threadState(pid: number, tid: string): string {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}
