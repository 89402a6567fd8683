/**
 * Prism for the API bench: `node dist/main.js` with a fresh data dir, S streams with D `custom`
 * destinations each (one real ffmpeg receiver per destination), all created through the API.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { freePort, makeTempDir, removeTempDir, spawnTracked, stop, waitListening, type Proc } from "../lib/proc.js";
import { repoRoot } from "../relay/prism.js";

export interface BenchPrism {
  proc: Proc;
  base: string;
  token: string;
  call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startBenchPrism(extraEnv: Record<string, string> = {}): Promise<BenchPrism> {
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const dataDir = makeTempDir("prism-bench-api-");
  const token = `prism_${randomBytes(24).toString("base64url")}`;
  const proc = spawnTracked("prism", process.execPath, [join(repoRoot, "dist", "main.js")], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PRISM_HOST: "127.0.0.1",
      PRISM_RTMP_PORT: String(rtmpPort),
      PRISM_HTTP_PORT: String(httpPort),
      PRISM_DATA_DIR: dataDir,
      PRISM_API_TOKEN: token,
      PRISM_LOG_LEVEL: "warn",
      PRISM_LOG_FORMAT: "json",
      ...extraEnv,
    },
  });
  const cleanup = async () => {
    await stop(proc, 12_000);
    removeTempDir(dataDir);
  };
  try {
    await waitListening([rtmpPort, httpPort], 20_000, "prism", () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
  } catch (err) {
    await cleanup();
    throw err;
  }
  const base = `http://127.0.0.1:${httpPort}`;
  return {
    proc,
    base,
    token,
    stop: cleanup,
    async call<T>(method: string, path: string, body?: unknown, as = token): Promise<T> {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${as}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    },
  };
}
