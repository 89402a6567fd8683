/**
 * The merged comment feed under load: messages per second from four platform chats through the
 * merger (dedup, sentAt ordering, moderation, SQLite) to 100 SSE subscribers, and the delivery
 * latency from a reader handing a message over to a subscriber reading it.
 *
 *   npm run bench:comments [-- --rate=5000 --seconds=10 --clients=100 --windows=0,1000]
 *
 * Prism runs in this process with in-process platform chats (what the readers would hand over);
 * the subscribers are real HTTP clients in a child process. Prints figures; asserts nothing.
 * Goal (issue #6): ≥ 5,000 msg/s with p99 < 50 ms on 2 cores.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../../src/config.js";
import { startPrism } from "../../src/service.js";
import type { ChatSink, ChatSupport, IncomingChatMessage } from "../../src/destinations/chat-types.js";
import type { AccountApi } from "../../src/destinations/account-types.js";

const option = (name: string, fallback: string) => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const RATE = Number(option("rate", "5000"));
const SECONDS = Number(option("seconds", "10"));
const CLIENTS = Number(option("clients", "100"));
const WINDOWS = option("windows", "0,1000").split(",").map(Number);
const PLATFORMS = ["twitch", "youtube", "twitcasting", "x"];
const TOKEN = "bench-admin-token-0123456789abcdef";
const TICK_MS = 10;

/** A platform chat that hands over what the bench tells it to, as a reader would. */
class BenchChat implements ChatSupport {
  sink: ChatSink | null = null;
  async read(_api: AccountApi, _s: unknown, sink: ChatSink, signal: AbortSignal) {
    this.sink = sink;
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
}

async function scenario(windowMs: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "prism-bench-chat-"));
  const chats = Object.fromEntries(PLATFORMS.map((p) => [p, new BenchChat()]));
  const api: AccountApi = { account: { id: "a", platformUserId: "u", displayName: "Bench" }, fetch: () => Promise.reject(new Error("none")), data: () => ({}), saveData: () => {} };
  const config = loadConfig({ PRISM_HOST: "127.0.0.1", PRISM_RTMP_PORT: "0", PRISM_HTTP_PORT: "0", PRISM_DATA_DIR: dataDir, PRISM_API_TOKEN: TOKEN, PRISM_LOG_LEVEL: "warn", PRISM_API_RATE_LIMIT: "0" });
  const prism = await startPrism(config, {
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
    chat: {
      reorderWindowMs: windowMs,
      sources: { forStream: (streamId) => PLATFORMS.map((platform) => ({ platform, destinationId: platform, chat: chats[platform]!, api, stream: { streamId, destinationId: platform, title: "Bench", description: null } })) },
    },
  });
  const base = `http://127.0.0.1:${prism.httpPort}`;
  const res = await fetch(`${base}/api/v1/streams`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ name: "Bench" }) });
  const streamId = ((await res.json()) as { id: string }).id;
  // One word and one regex filter, so moderation does the work it does in real use.
  for (const body of [{ kind: "word", pattern: "spoiler" }, { kind: "regex", pattern: "buy (cheap )?followers" }]) {
    await fetch(`${base}/api/v1/streams/${streamId}/chat-filters`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  }
  prism.bus.emit("stream.started", { streamId, sessionId: "session-1", name: "Bench", at: new Date().toISOString() });

  const clients = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./clients.ts", import.meta.url)), JSON.stringify({ url: `${base}/api/v1/streams/${streamId}/comments/stream`, token: TOKEN, clients: CLIENTS })], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  clients.stdout!.on("data", (d) => {
    out += String(d);
    let nl;
    while ((nl = out.indexOf("\n")) !== -1) {
      lines.push(out.slice(0, nl));
      out = out.slice(nl + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const nextLine = async () => {
    while (lines.length === 0) await new Promise<void>((r) => waiters.push(r));
    return lines.shift()!;
  };
  if ((await nextLine()) !== "ready") throw new Error("clients failed");

  const perTick = (RATE * TICK_MS) / 1000;
  let sent = 0;
  let n = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - t0;
      if (elapsed >= SECONDS * 1000) return resolve();
      // Catch up to the schedule, spread over the platforms as pages of messages.
      const due = Math.floor((elapsed / 1000) * RATE) + perTick - sent;
      const batches = new Map<string, IncomingChatMessage[]>();
      for (let i = 0; i < due; i++, n++) {
        const platform = PLATFORMS[n % PLATFORMS.length]!;
        let batch = batches.get(platform);
        if (!batch) batches.set(platform, (batch = []));
        batch.push({ platformMessageId: `${platform}-${n}`, author: { id: `u${n % 500}`, name: `viewer${n % 500}`, badges: [], color: "#1E90FF" }, text: `message ${n}: that was a clean skip, gg everyone`, sentAt: new Date() });
      }
      for (const [platform, batch] of batches) chats[platform]!.sink!.messages(batch);
      sent += due;
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const sendSeconds = (performance.now() - t0) / 1000;
  const sendCpu = process.cpuUsage(cpu0);
  loop.disable();
  // Let the window and the last writes drain before asking the clients.
  await new Promise((r) => setTimeout(r, windowMs + 1_000));
  clients.stdin!.write("stop\n");
  const result = JSON.parse(await nextLine()) as { clientCpuMs: number; counts: number[]; samples: number; p50: number; p99: number; max: number };
  await prism.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const delivered = result.counts.reduce((a, b) => a + b, 0);
  const complete = result.counts.filter((c) => c === sent).length;
  return { windowMs, sent, sendSeconds, delivered, complete, ...result, cpuPct: (sendCpu.user + sendCpu.system) / 1000 / sendSeconds / 10, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
}

console.log(`bench:comments — ${RATE} msg/s offered for ${SECONDS} s from ${PLATFORMS.length} platform chats to ${CLIENTS} SSE subscribers; ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), Node ${process.version}`);
for (const windowMs of WINDOWS) {
  const r = await scenario(windowMs);
  console.log(
    [
      `reorder window ${r.windowMs} ms:`,
      `  merged ${r.sent} messages in ${r.sendSeconds.toFixed(1)} s = ${Math.round(r.sent / r.sendSeconds)} msg/s into the feed`,
      `  delivered ${r.delivered} (${Math.round(r.delivered / r.sendSeconds)} deliveries/s); ${r.complete}/${CLIENTS} subscribers got every message`,
      `  delivery latency (reader hand-over → subscriber read; ${r.samples} samples): p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`,
      `  Prism's event loop delay: p99 ${r.loopP99.toFixed(0)} ms, max ${r.loopMax.toFixed(0)} ms`,
      `  CPU while sending: Prism ${r.cpuPct.toFixed(0)} % of one core, the subscribers' process ${Math.round(r.clientCpuMs / 1000)} s in total`,
    ].join("\n"),
  );
}
process.exit(0);
