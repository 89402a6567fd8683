/**
 * Prism as the system under test: `node dist/main.js` as a child process with a fresh data dir,
 * driven through its HTTP API.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { entryLaunch } from "../../scripts/node-flags.mjs";
import { freePort, makeTempDir, removeTempDir, runToEnd, spawnTracked, stop, waitFor, waitListening, which, type Proc } from "../lib/proc.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The commit dist/ was built from, marked when the work tree has uncommitted changes in src/. */
export function prismRevision(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: repoRoot, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head} + uncommitted src/ changes` : head;
  } catch {
    return "unknown revision";
  }
}

/** How to run npm without a shell: the command and the arguments that come before npm's own. */
export function npmCommand(): { command: string; args: string[] } {
  // Under `npm run`, npm_execpath is npm's own CLI script: run it with this node.
  const npmCli = process.env.npm_execpath;
  if (npmCli && /npm-cli\.js$/.test(npmCli)) return { command: process.execPath, args: [npmCli] };
  const npm = which("npm");
  if (!npm) throw new Error("npm not found on PATH");
  return { command: npm, args: [] };
}

/** `npm run build` in the repository root. */
export async function buildPrism(): Promise<void> {
  const npm = npmCommand();
  await runToEnd("npm run build", npm.command, [...npm.args, "run", "build"], { cwd: repoRoot });
}

export interface DestinationHealth {
  id: string;
  name: string;
  state: "idle" | "connecting" | "live" | "reconnecting" | "failed" | "stopped";
  bitrateKbps: number;
  bytesOut: number;
  lastError: string | null;
  reconnects: number;
}

export interface StreamHealth {
  live: boolean;
  ingest: { bitrateKbps: number; fps: number } | null;
  destinations: DestinationHealth[];
}

export interface PrismInstance {
  proc: Proc;
  streamId: string;
  /** Where the publisher publishes: ingestUrl + "/" + streamKey. */
  publishUrl: string;
  health(): Promise<StreamHealth>;
  stop(): Promise<void>;
}

/** A running Prism child process and its API, authenticated with a fresh admin token. */
export interface LaunchedPrism {
  proc: Proc;
  /** http://127.0.0.1:<port>, for requests outside the API client (load generators, /metrics). */
  origin: string;
  /** The admin token Prism was started with. */
  token: string;
  /** One API call under /api/v1 (as the admin unless `as` is another token); throws unless the answer has the `expect`ed status. */
  call<T>(method: string, path: string, body?: unknown, expect?: number, as?: string): Promise<T>;
  /** Stops Prism (SIGTERM; its own shutdown takes up to 10 s) and removes its data dir. */
  cleanup(): Promise<void>;
}

/** The environment a bench's Prism runs with: loopback only, its own ports, data dir and admin token, quiet JSON logs. */
export function prismEnv(
  at: { rtmpPort: number; httpPort: number; dataDir: string; token: string },
  extraEnv: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PRISM_HOST: "127.0.0.1",
    PRISM_RTMP_PORT: String(at.rtmpPort),
    PRISM_HTTP_PORT: String(at.httpPort),
    PRISM_DATA_DIR: at.dataDir,
    PRISM_API_TOKEN: at.token,
    PRISM_LOG_LEVEL: "warn",
    PRISM_LOG_FORMAT: "json",
    // The bench receivers listen on 127.0.0.1, which the default destination policy refuses.
    PRISM_DESTINATION_ALLOW: "public,private,loopback",
    ...extraEnv,
  };
}

const PRISM_ENTRY = join(repoRoot, "dist", "main.js");

/**
 * The node flags and environment Prism runs with, as `prism`, `npm start` and the Docker image run it: those of
 * dist/main.js's shebang, then $BENCH_PRISM_NODE_ARGS (e.g. "--cpu-prof").
 */
export function prismNode(): { flags: string[]; env: Record<string, string> } {
  const { flags, env } = entryLaunch(PRISM_ENTRY);
  return { flags: [...flags, ...(process.env.BENCH_PRISM_NODE_ARGS?.split(" ").filter(Boolean) ?? [])], env };
}

/** The node command line of Prism: prismNode's flags, then the entry. */
export function prismCommand(): { args: string[]; env: Record<string, string> } {
  const { flags, env } = prismNode();
  return { args: [...flags, PRISM_ENTRY], env };
}

/** How the bench runs Prism, for the report: "MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 dist/main.js". */
export function prismRunAs(): string {
  const { args, env } = prismCommand();
  return [...Object.entries(env).map(([k, v]) => `${k}=${v}`), "node", ...args.slice(0, -1), "dist/main.js"].join(" ");
}

/** `node dist/main.js` (with its own node flags) on free loopback ports with a fresh data dir, once both ports listen. */
export async function launchPrism(dataDirPrefix: string, extraEnv: Record<string, string> = {}): Promise<LaunchedPrism> {
  const rtmpPort = await freePort();
  const httpPort = await freePort();
  const dataDir = makeTempDir(dataDirPrefix);
  const token = randomBytes(24).toString("base64url"); // 32 characters
  const command = prismCommand();
  const proc = spawnTracked("prism", process.execPath, command.args, {
    cwd: repoRoot,
    env: prismEnv({ rtmpPort, httpPort, dataDir, token }, { ...command.env, ...extraEnv }),
  });
  const cleanup = async () => {
    await stop(proc, 12_000); // Prism's own shutdown allows itself 10 s
    removeTempDir(dataDir);
  };
  try {
    await waitListening([rtmpPort, httpPort], 20_000, "prism", () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
  } catch (err) {
    await cleanup();
    throw err;
  }
  const origin = `http://127.0.0.1:${httpPort}`;
  const call = async <T>(method: string, path: string, body?: unknown, expect = 200, as = token): Promise<T> => {
    const res = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${as}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path} → ${res.status} (expected ${expect}): ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  return { proc, origin, token, call, cleanup };
}

/** Start Prism, create a stream and one custom destination per receiver port. */
export async function startPrism(receiverPorts: number[]): Promise<PrismInstance> {
  const { proc, call, cleanup } = await launchPrism("prism-bench-data-");

  try {

    const stream = await call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: "bench" }, 201);
    for (const [i, port] of receiverPorts.entries()) {
      await call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: `r${i + 1}`, url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
    }
    return {
      proc,
      streamId: stream.id,
      publishUrl: `${stream.ingestUrl}/${stream.streamKey}`,
      health: () => call<StreamHealth>("GET", `/streams/${stream.id}/health`),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Wait until the ingest is live and every destination reports `live`; returns the last health. */
export async function waitAllLive(prism: PrismInstance, n: number, timeoutMs: number): Promise<{ ok: boolean; health: StreamHealth | undefined }> {
  let last: StreamHealth | undefined;
  const ok = await waitFor(async () => {
    if (!prism.proc.running()) return true;
    try {
      last = await prism.health();
    } catch {
      return false;
    }
    return last.live && last.destinations.length === n && last.destinations.every((d) => d.state === "live");
  }, timeoutMs, 500);
  return { ok: ok && prism.proc.running(), health: last };
}
