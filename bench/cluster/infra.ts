/**
 * What a cluster needs besides Prism, started for the bench and stopped by it: a throwaway PostgreSQL
 * (scripts/test-postgres.sh, Debian's binaries, as the tests use) and a nats-server with JetStream.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeTempDir, runToEnd, spawnTracked, waitListening, type Proc } from "../lib/proc.js";
import { repoRoot } from "../relay/prism.js";

const PG_SCRIPT = join(repoRoot, "scripts", "test-postgres.sh");
const NATS_SERVER = process.env.PRISM_TEST_NATS_SERVER ?? "/usr/sbin/nats-server";

export interface Postgres {
  url: string;
  version: string;
  /** Stops the server and deletes its files; safe to call twice and from an exit handler (synchronous). */
  stop(): void;
}

/** A throwaway PostgreSQL on a free 127.0.0.1 port (fsync off, trust auth), from scripts/test-postgres.sh. */
export async function startPostgres(): Promise<Postgres> {
  const out = await runToEnd("test-postgres.sh start", "bash", [PG_SCRIPT, "start"]);
  const url = out.split("\n").map((l) => l.trim()).find((l) => l.startsWith("postgres://"));
  if (!url) throw new Error(`scripts/test-postgres.sh start printed no URL:\n${out}`);
  const version = /PostgreSQL (\S+)/.exec(out)?.[1] ?? "?";
  let stopped = false;
  return {
    url,
    version,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        execFileSync("bash", [PG_SCRIPT, "stop", url], { stdio: "ignore" });
      } catch {
        // already gone
      }
    },
  };
}

export interface Nats {
  url: string;
  proc: Proc;
  version: string;
}

/** nats-server -js on a free 127.0.0.1 port, its store in a temp dir (removed at exit). */
export async function startNats(): Promise<Nats> {
  if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is missing: apt-get install -y nats-server (or set PRISM_TEST_NATS_SERVER)`);
  const port = await freePort();
  const storeDir = makeTempDir("prism-bench-nats-");
  const proc = spawnTracked("nats-server", NATS_SERVER, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir]);
  await waitListening([port], 15_000, "nats-server", () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
  const version = execFileSync(NATS_SERVER, ["--version"], { encoding: "utf8" }).trim().replace(/^nats-server:\s*/, "");
  return { url: `nats://127.0.0.1:${port}`, proc, version };
}
