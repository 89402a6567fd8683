/**
 * Prism processes for the cluster bench: `node dist/main.js` (with dist/main.js's own node flags, as in every
 * bench), each on its own loopback ports and data dir, with the cluster's environment. The same launcher restarts
 * a single Prism on its ports and data dir for the reference (a crash, then a supervisor's immediate restart).
 */
import { freePort, makeTempDir, spawnTracked, waitListening, type Proc } from "../lib/proc.js";
import { prismCommand, prismEnv, repoRoot } from "../relay/prism.js";

export interface NodeSpec {
  /** PRISM_NODE_ID in a cluster; a label otherwise. */
  name: string;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
  token: string;
  env: Record<string, string>;
}

export interface PrismNode extends NodeSpec {
  proc: Proc;
  origin: string;
  /** One call under /api/v1; throws unless the answer has the `expect`ed status. */
  call<T>(method: string, path: string, body?: unknown, expect?: number): Promise<T>;
}

/** Free ports and a fresh data dir for a node. */
export async function nodeSpec(name: string, token: string, env: Record<string, string>): Promise<NodeSpec> {
  return { name, rtmpPort: await freePort(), httpPort: await freePort(), dataDir: makeTempDir(`prism-bench-${name}-`), token, env };
}

/** Starts the node and resolves once both its ports listen. */
export async function launchNode(spec: NodeSpec): Promise<PrismNode> {
  const command = prismCommand();
  const proc = spawnTracked(spec.name, process.execPath, command.args, {
    cwd: repoRoot,
    env: prismEnv({ rtmpPort: spec.rtmpPort, httpPort: spec.httpPort, dataDir: spec.dataDir, token: spec.token }, { ...command.env, ...spec.env }),
  });
  await waitListening([spec.rtmpPort, spec.httpPort], 30_000, spec.name, () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
  const origin = `http://127.0.0.1:${spec.httpPort}`;
  const call = async <T>(method: string, path: string, body?: unknown, expect = 200): Promise<T> => {
    const res = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${spec.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${spec.name}: ${method} ${path} → ${res.status} (expected ${expect}): ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  return { ...spec, proc, origin, call };
}

export interface CreatedStream {
  id: string;
  key: string;
}

/** A stream (slate off, so a publisher that stops ends it) with one `custom` destination per receiver port. */
export async function createStream(node: PrismNode, name: string, receiverPorts: number[]): Promise<CreatedStream> {
  const stream = await node.call<{ id: string; streamKey: string }>("POST", "/streams", { name }, 201);
  await node.call("PATCH", `/streams/${stream.id}`, { slate: { enabled: false } });
  for (const [i, port] of receiverPorts.entries()) {
    await node.call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: `r${i + 1}`, url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
  }
  return { id: stream.id, key: stream.streamKey };
}

export interface ClusterOverview {
  nodeId: string;
  clustered: boolean;
  nodes: Array<{ nodeId: string; draining: boolean; load: { cpu: number; streams: number; outputs: number; bitrateKbps: number }; streams: string[] }>;
}

export interface HealthAnswer {
  live: boolean;
  destinations: Array<{ name: string; state: string }>;
}

/** Whether the stream is live with every destination `live`, as `node` answers (any node answers in a cluster). */
export async function allLive(node: PrismNode, streamId: string, destinations: number): Promise<boolean> {
  try {
    const h = await node.call<HealthAnswer>("GET", `/streams/${streamId}/health`);
    return h.live && h.destinations.length === destinations && h.destinations.every((d) => d.state === "live");
  } catch {
    return false;
  }
}
