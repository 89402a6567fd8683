/**
 * A paced, open-loop load: request i is due at t0 + i / rate, whether or not earlier ones have been
 * answered, over a pool of keep-alive connections (a request finding them all busy waits its turn).
 * Latency is counted from when the request was issued, so waiting for a free connection counts
 * against the server (queueing behind a slow answer is what coordinated omission hides). Counted
 * from when it was *due* (wrk2's correction) it also includes this client's own timer lag, about a
 * millisecond with Node's timers; both are reported.
 *
 * Why not autocannon for a fixed rate: its `overallRate` lets every connection send back-to-back
 * until its share of the second is used, then pauses until the next second
 * (node_modules/autocannon/lib/httpClient.js, `reqsMadeThisSecond`). At 1,000 req/s over 10
 * connections that is a burst at full concurrency for the first part of each second and silence
 * after it: against an empty Node server that answers in 0.1 ms it measured a p99 of 11 ms.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { LoadOptions, LoadResult } from "./load.js";

export async function runPaced(o: LoadOptions & { rate: number }): Promise<LoadResult> {
  const target = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  const fromDue: number[] = [];
  const fromIssued: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let answered = 0;
  const t0 = performance.now() + 20;

  const fire = (i: number) => {
    const due = t0 + i * interval;
    const issued = performance.now();
    const req = http.request(
      { host: target.hostname, port: target.port, path: o.paths[i % o.paths.length], agent, headers: { authorization: `Bearer ${o.token}` } },
      (res) => {
        res.on("data", () => {});
        res.on("end", () => {
          const now = performance.now();
          fromDue.push(now - due);
          fromIssued.push(now - issued);
          if (res.statusCode! < 200 || res.statusCode! > 299) non2xx++;
          answered++;
        });
      },
    );
    req.on("error", () => {
      errors++;
      answered++;
    });
    req.end();
  };

  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) fire(sent++);
      if (sent < total) {
        // Sleep until the next request is due; Node's timers wake within about a millisecond.
        setTimeout(pump, Math.max(0, t0 + sent * interval - performance.now() - 0.5));
        return;
      }
      const drain = () => (answered >= total ? resolve() : setTimeout(drain, 5));
      drain();
    };
    setTimeout(pump, Math.max(0, t0 - performance.now()));
  });
  agent.destroy();
  const seconds = (performance.now() - t0) / 1000;
  const quantiles = (values: number[]) => {
    values.sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: values[values.length - 1] ?? NaN };
  };
  return { label: o.label, seconds, requests: fromIssued.length, rps: fromIssued.length / seconds, non2xx, errors, ms: quantiles(fromIssued), fromDueMs: quantiles(fromDue) };
}
