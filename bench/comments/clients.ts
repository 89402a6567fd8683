/**
 * The SSE subscribers of bench:comments, in their own process so their parsing does not count as
 * Prism's time: N real HTTP clients on one stream's feed, each noting when every comment arrives.
 *
 *   argv[2]: JSON { url, token, clients }
 * Prints "ready" once every client is connected; on "stop" (stdin) prints one JSON line of results.
 */
import http from "node:http";

const { url, token, clients } = JSON.parse(process.argv[2]!) as { url: string; token: string; clients: number };
const latencies: number[] = [];
const counts = new Array<number>(clients).fill(0);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const KEY = Buffer.from('"sentAt":"');
/** Clients whose every message's latency is noted; the others only count (Date.parse for 500k messages/s would make this process the bottleneck). */
const SAMPLED = 10;
let connected = 0;

for (let i = 0; i < clients; i++) {
  const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`client ${i}: HTTP ${res.statusCode}`);
    if (++connected === clients) process.stdout.write("ready\n");
    // Raw bytes, no decoding: find each comment's sentAt; a tail is kept for one split across chunks.
    let tail: Buffer = Buffer.alloc(0);
    res.on("data", (chunk: Buffer) => {
      const now = Date.now();
      const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      let at = 0;
      let k;
      while ((k = buf.indexOf(KEY, at)) !== -1 && k + KEY.length + 24 <= buf.length) {
        counts[i]!++;
        if (i < SAMPLED) latencies.push(now - Date.parse(buf.toString("latin1", k + KEY.length, k + KEY.length + 24)));
        at = k + KEY.length + 24;
      }
      tail = buf.subarray(Math.max(at, buf.length - KEY.length - 24));
      if (tail.indexOf(KEY) === -1 && tail.length > KEY.length) tail = tail.subarray(tail.length - KEY.length);
    });
  });
  req.on("error", (err) => {
    process.stderr.write(`client ${i}: ${err.message}\n`);
    process.exit(1);
  });
}

process.stdin.on("data", (d) => {
  if (!String(d).includes("stop")) return;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ clientCpuMs: (cpu.user + cpu.system) / 1000, counts, samples: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? NaN })}\n`);
  process.exit(0);
});
