/**
 * One load phase: paced at a fixed rate (paced.ts), or as fast as the server answers (autocannon),
 * with latencies kept at full precision (autocannon's own are whole ms).
 */
import { pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { runPaced } from "./paced.js";

export interface LoadResult {
  label: string;
  seconds: number;
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
  /** From when each request was issued (paced) or written (autocannon) to its answer. */
  ms: Quantiles;
  /** Paced only: from when each request was due, the client's own timer lag included. */
  fromDueMs?: Quantiles;
}

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LoadOptions {
  label: string;
  url: string;
  token: string;
  /** Paths requested in turn. */
  paths: string[];
  connections: number;
  seconds: number;
  /** Requests per second across all connections, evenly paced; undefined = as fast as the server answers. */
  rate?: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  return o.rate ? runPaced({ ...o, rate: o.rate }) : runFlatOut(o);
}

async function runFlatOut(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        headers: { authorization: `Bearer ${o.token}` },
        requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: o.paths[next++ % o.paths.length]! }) }],
      },
      (err, done) => (err ? reject(err) : resolve(done)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    label: o.label,
    seconds: result.duration,
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ms: { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: latencies[latencies.length - 1] ?? NaN },
  };
}

/**
 * Run as its own process (`node --import tsx bench/api/load.ts '<LoadOptions as JSON>'`), so that
 * the bench's own work (child processes' output, the sink's events) never delays the load
 * generator's event loop and shows up as latency. Prints the LoadResult as JSON.
 */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runLoad(JSON.parse(process.argv[2] ?? "{}") as LoadOptions).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`load: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
