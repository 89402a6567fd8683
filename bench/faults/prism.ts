/**
 * Prism for the fault bench: like bench/relay/prism.ts (`node dist/main.js`, fresh data dir, API),
 * plus the stream's slate turned off, so that stopping the publisher ends the stream and every
 * output closes (the fault bench reads each destination's final bytesOut after that).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { freePort, makeTempDir, removeTempDir, spawnTracked, stop, waitListening } from "../lib/proc.js";
import { repoRoot, type DestinationHealth, type PrismInstance, type StreamHealth } from "../relay/prism.js";

export interface FaultDestinationHealth extends DestinationHealth {
  attempt: number;
  nextRetryAt: string | null;
}

export interface FaultStreamHealth extends StreamHealth {
  ingestState: string;
  destinations: FaultDestinationHealth[];
}

export interface FaultPrism extends PrismInstance {
  /** Destination names in creation order: `names[i]` pushes to `ports[i]`. */
  names: string[];
  health(): Promise<FaultStreamHealth>;
}

/** Start Prism, create a stream (slate off) and one custom destination per receiver port, named by `names`. */
export async function startPrism(receiverPorts: number[], names: string[]): Promise<FaultPrism> {
  const rtmpPort = await freePort();
  const httpPort = await freePort();
  const dataDir = makeTempDir("prism-bench-faults-");
  const token = randomBytes(24).toString("base64url"); // 32 characters
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
    },
  });
  const cleanup = async () => {
    await stop(proc, 12_000); // Prism's own shutdown allows itself 10 s
    removeTempDir(dataDir);
  };

  try {
    await waitListening([rtmpPort, httpPort], 20_000, "prism", () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
    const base = `http://127.0.0.1:${httpPort}/api/v1`;
    const call = async <T>(method: string, path: string, body?: unknown, expect = 200): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== expect) throw new Error(`${method} ${path} → ${res.status} (expected ${expect}): ${text.slice(0, 500)}`);
      return JSON.parse(text) as T;
    };

    const stream = await call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: "bench-faults" }, 201);
    await call("PATCH", `/streams/${stream.id}`, { slate: { enabled: false } });
    for (const [i, port] of receiverPorts.entries()) {
      const name = names[i] ?? `r${i + 1}`;
      await call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name, url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
    }
    return {
      proc,
      streamId: stream.id,
      publishUrl: `${stream.ingestUrl}/${stream.streamKey}`,
      names,
      health: () => call<FaultStreamHealth>("GET", `/streams/${stream.id}/health`),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
