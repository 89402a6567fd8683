import { spawnCli } from "../cli/run-cli.js";
import type { TrackedProcess } from "./children.js";
import { freePort, waitForListening } from "./ports.js";
import { callApi, TEST_DESTINATION_ALLOW, type ApiResponse } from "./prism.js";
import { makeTempDir } from "./tmp.js";

export const PROCESS_TOKEN = "cluster-process-admin-token-0123456789";

/** A Prism running as its own process (`prism start`), as one node of a cluster runs on its own machine. */
export interface PrismProcess {
  nodeId: string;
  httpPort: number;
  rtmpPort: number;
  base: string;
  child: TrackedProcess;
  /** Its JSON log lines so far (stdout). */
  logs(): string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
}

/**
 * Starts `prism start` on free loopback ports with `env` on top of the test defaults, and resolves once its API
 * and its RTMP ingest listen (rejects with its stderr if it exits first).
 */
export async function spawnPrismProcess(nodeId: string, env: Record<string, string>): Promise<PrismProcess> {
  const [httpPort, rtmpPort] = [await freePort(), await freePort()];
  const child = spawnCli(["start"], {
    PRISM_HOST: "127.0.0.1",
    PRISM_HTTP_PORT: String(httpPort),
    PRISM_RTMP_PORT: String(rtmpPort),
    PRISM_DATA_DIR: await makeTempDir(`prism-${nodeId}-`),
    PRISM_API_TOKEN: PROCESS_TOKEN,
    PRISM_DESTINATION_ALLOW: TEST_DESTINATION_ALLOW,
    PRISM_OUTPUT_CONNECT_TIMEOUT_MS: "3000",
    PRISM_LOG_FORMAT: "json",
    PRISM_LOG_LEVEL: "info",
    PRISM_NODE_ID: nodeId,
    ...env,
  });
  const exitedEarly = child.exited.then((info) => {
    throw new Error(`Prism node ${nodeId} exited while starting (code ${info.code}): ${info.stderr.slice(-3000)}`);
  });
  exitedEarly.catch(() => undefined);
  await Promise.race([waitForListening(httpPort, 45_000, { pid: child.pid, abortOn: child.exited }), exitedEarly]);
  await waitForListening(rtmpPort, 10_000, { pid: child.pid, abortOn: child.exited });
  const base = `http://127.0.0.1:${httpPort}`;
  return {
    nodeId,
    httpPort,
    rtmpPort,
    base,
    child,
    logs: () => child.stdout(),
    api: (method, path, body) => callApi(base, PROCESS_TOKEN, method, path, body),
  };
}
