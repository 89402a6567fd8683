// TEMPORARY: idle Prism, one stream with 4 destinations, 3000 sequential health requests; server-side time per request.
import { launchPrism } from "../relay/prism.js";
const p = await launchPrism("health-micro", { PRISM_TRACE_HTTP: "1" });
try {
  const s = await p.call<{ id: string }>("POST", "/streams", { name: "x" }, 201);
  for (let d = 0; d < 4; d++) await p.call("POST", `/streams/${s.id}/destinations`, { platform: "custom", name: `r${d}`, url: `rtmp://127.0.0.1:1/app`, streamKey: "k" }, 201);
  const srv: number[] = [], tot: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = performance.now();
    const res = await fetch(`${p.origin}/api/v1/streams/${s.id}/health`, { headers: { authorization: `Bearer ${p.token}` } });
    await res.arrayBuffer();
    const [a, b] = res.headers.get("x-trace")!.split(",").map(Number);
    if (i >= 500) { srv.push(b! - a!); tot.push(performance.now() - t); }
  }
  const q = (a: number[], x: number) => [...a].sort((m, n) => m - n)[Math.ceil(x * a.length) - 1]!.toFixed(3);
  console.log(`in hono p50 ${q(srv, 0.5)} p99 ${q(srv, 0.99)}; round trip p50 ${q(tot, 0.5)} p99 ${q(tot, 0.99)}`);
} finally { await p.cleanup(); }
