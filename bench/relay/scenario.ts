/**
 * One scenario: N fresh receivers, one relay (Prism, nginx-rtmp push, one ffmpeg per destination, or
 * the bare-Node byte fan-out), the looping publisher; wait until the stream flows, warm up, measure, tear down.
 */
import { fileURLToPath } from "node:url";
import { kbps, startCopyRelay, startPublisher, startReceiver, startTcpReceiver, type Tracked } from "../lib/ffmpeg.js";
import { freePort, measure, sleep, spawnTracked, stop, waitFor, waitListening, type Usage } from "../lib/proc.js";
import { startNginx, type NginxInstall } from "./nginx.js";
import { prismNode, startPrism, waitAllLive, type StreamHealth } from "./prism.js";

export type Impl = "prism" | "nginx" | "ffmpeg" | "bare";

export const IMPL_LABEL: Record<Impl, string> = {
  prism: "Prism",
  nginx: "nginx-rtmp push",
  ffmpeg: "ffmpeg per dest",
  bare: "bare Node",
};

const BARE_FANOUT = fileURLToPath(new URL("./bare-fanout.mjs", import.meta.url));

export interface ScenarioConfig {
  clip: string;
  /** The clip's average bitrate, kbit/s: what each receiver should get. */
  clipKbps: number;
  nginx: NginxInstall;
  warmupMs: number;
  windowMs: number;
  log: (msg: string) => void;
}

export interface ScenarioResult {
  impl: Impl;
  n: number;
  usage?: Usage;
  error?: string;
  warnings: string[];
  /** kbit/s each receiver got during the window. */
  receiverKbps: number[];
  /** kbit/s the publisher sent during the window. */
  publisherKbps: number;
  /** Prism only: its health at the end of the window. */
  health?: StreamHealth;
}

export async function runScenario(impl: Impl, n: number, cfg: ScenarioConfig): Promise<ScenarioResult> {
  const result: ScenarioResult = { impl, n, warnings: [], receiverKbps: [], publisherKbps: 0 };
  const warn = (msg: string) => {
    result.warnings.push(msg);
    cfg.log(`WARNING ${IMPL_LABEL[impl]} N=${n}: ${msg}`);
  };
  const cleanups: (() => Promise<void>)[] = [];
  let receivers: (Tracked & { port: number })[] = [];
  let publisher: Tracked | undefined;
  const relays: Tracked[] = [];

  try {
    // Fresh receivers for every scenario: ffmpeg's listen mode takes exactly one publisher.
    const ports: number[] = [];
    for (let i = 0; i < n; i++) ports.push(await freePort());
    // The bare reference speaks no RTMP: its receivers read FLV over plain TCP.
    receivers = ports.map(impl === "bare" ? startTcpReceiver : startReceiver);
    await waitListening(ports, 15_000, "receivers", () => {
      const dead = receivers.find((r) => !r.proc.running());
      return dead ? `${dead.proc.name} exited:\n${dead.proc.tail()}` : undefined;
    });

    let publishUrl: string;
    let counted: () => number[];
    let prism: Awaited<ReturnType<typeof startPrism>> | undefined;
    if (impl === "prism") {
      prism = await startPrism(ports);
      cleanups.push(prism.stop);
      publishUrl = prism.publishUrl;
      const pid = prism.proc.pid;
      counted = () => [pid];
    } else if (impl === "bare") {
      const port = await freePort();
      const node = prismNode(); // Prism's node, flags and environment: only the program differs
      const bare = spawnTracked("bare node fan-out", process.execPath, [...node.flags, BARE_FANOUT, String(port), ...ports.map(String)], {
        env: { ...process.env, ...node.env },
      });
      cleanups.push(() => stop(bare));
      await waitListening([port], 10_000, "bare node fan-out", () => (bare.running() ? undefined : `exited:\n${bare.tail()}`));
      publishUrl = `tcp://127.0.0.1:${port}`;
      counted = () => [bare.pid];
    } else {
      const port = await freePort();
      const nginx = await startNginx(cfg.nginx, port, impl === "nginx" ? ports : []);
      cleanups.push(nginx.stop);
      publishUrl = `rtmp://127.0.0.1:${port}/live/x`;
      counted = impl === "nginx" ? nginx.pids : () => relays.map((r) => r.proc.pid);
    }

    publisher = startPublisher(cfg.clip, publishUrl);
    const pub = publisher;
    if (!(await waitFor(() => pub.progress.bytes > 0 || !pub.proc.running(), 15_000)) || !pub.proc.running()) {
      throw new Error(`the publisher could not publish to ${publishUrl}:\n${pub.proc.tail()}`);
    }
    if (impl === "ffmpeg") {
      for (const [i, port] of ports.entries()) {
        relays.push(startCopyRelay(`relay ${i + 1}`, publishUrl, `rtmp://127.0.0.1:${port}/app/k`));
      }
    }

    const flowing = await waitFor(() => receivers.every((r) => r.progress.bytes > 0), 30_000);
    if (!flowing) {
      const idle = receivers.filter((r) => r.progress.bytes === 0).length;
      warn(`${idle} of ${n} receivers got no data within 30 s`);
    }
    if (prism) {
      const { ok, health } = await waitAllLive(prism, n, 20_000);
      if (!ok) {
        const states = health?.destinations.map((d) => `${d.name}=${d.state}${d.lastError ? ` (${d.lastError})` : ""}`).join(", ");
        warn(`not every destination is live: ${states ?? "no health"}${prism.proc.running() ? "" : `; Prism exited:\n${prism.proc.tail()}`}`);
      }
    }

    cfg.log(`${IMPL_LABEL[impl]} N=${n}: stream flowing, warming up ${cfg.warmupMs / 1000} s`);
    await sleep(cfg.warmupMs);

    const before = receivers.map((r) => r.progress.snapshot());
    const pubBefore = pub.progress.snapshot();
    if (counted().length === 0) throw new Error("no process to measure");
    cfg.log(`${IMPL_LABEL[impl]} N=${n}: measuring ${cfg.windowMs / 1000} s (pids ${counted().join(" ")})`);
    result.usage = await measure(counted, cfg.windowMs, 4);
    result.receiverKbps = receivers.map((r, i) => kbps(before[i]!, r.progress.snapshot()));
    result.publisherKbps = kbps(pubBefore, pub.progress.snapshot());
    if (prism) result.health = await prism.health().catch(() => undefined);

    // Did the stream really reach every receiver, all through the window?
    if (result.usage.lost.length > 0) warn(`measured process(es) ${result.usage.lost.join(" ")} exited during the window`);
    if (!pub.proc.running()) warn(`the publisher exited: ${pub.proc.tail().slice(-300)}`);
    const dead = receivers.filter((r) => !r.proc.running());
    if (dead.length > 0) warn(`${dead.length} of ${n} receivers exited during the run: ${dead[0]!.proc.tail().slice(-300)}`);
    const slow = result.receiverKbps.filter((k) => k < cfg.clipKbps * 0.8);
    if (slow.length > 0) {
      warn(`${slow.length} of ${n} receivers got less than 80% of the clip bitrate (${slow.map((k) => k.toFixed(0)).join(", ")} kbit/s)`);
    }
    const deadRelays = relays.filter((r) => !r.proc.running());
    if (deadRelays.length > 0) warn(`${deadRelays.length} ffmpeg relay(s) exited: ${deadRelays[0]!.proc.tail().slice(-300)}`);
    if (result.health) {
      const notLive = result.health.destinations.filter((d) => d.state !== "live");
      if (!result.health.live) warn("Prism says the ingest is not live at the end of the window");
      if (notLive.length > 0) warn(`destinations not live at the end: ${notLive.map((d) => `${d.name}=${d.state}`).join(", ")}`);
      const reconnected = result.health.destinations.filter((d) => d.reconnects > 0);
      if (reconnected.length > 0) warn(`destinations that reconnected: ${reconnected.map((d) => `${d.name}×${d.reconnects}`).join(", ")}`);
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    cfg.log(`ERROR ${IMPL_LABEL[impl]} N=${n}: ${result.error}`);
  } finally {
    // Publisher first: the relays then close their pushes and the receivers end by themselves.
    if (publisher) await stop(publisher.proc);
    await Promise.all(relays.map((r) => stop(r.proc)));
    for (const c of cleanups.reverse()) await c();
    await Promise.all(receivers.map((r) => stop(r.proc, 2000)));
  }
  return result;
}
