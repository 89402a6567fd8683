/**
 * The counting RTMP receivers (bench/lib/rtmp-sink.ts) as child processes: one process for the
 * healthy destinations, one per life of the flaky destination's receiver. Their events arrive on
 * stdout and are kept here.
 */
import { fileURLToPath } from "node:url";
import { spawnTracked, waitFor, type Proc } from "../lib/proc.js";
import { parseSinkEvent, type ConnectionStats, type SinkEvent } from "../lib/rtmp-sink.js";

const SINK_SCRIPT = fileURLToPath(new URL("../lib/rtmp-sink.ts", import.meta.url));

export interface SinkProcess {
  proc: Proc;
  ports: number[];
  events: SinkEvent[];
  /** Final counts of every connection that has closed, in closing order. */
  closed: ConnectionStats[];
  listeningAt(port: number): number | undefined;
  /** Started with `standby`: whether it is loaded and waiting for release(). */
  ready(): boolean;
  /** Started with `standby`: listen now. */
  release(): void;
  /** Resolves with the time the port listens (throws if the process dies first or after `timeoutMs`). */
  waitListening(timeoutMs: number): Promise<void>;
}

export function startSinks(name: string, ports: number[], opts: { keepMessages?: boolean; standby?: boolean; progressMs?: number } = {}): SinkProcess {
  const events: SinkEvent[] = [];
  const closed: ConnectionStats[] = [];
  const args = ["--import", "tsx", SINK_SCRIPT];
  if (opts.keepMessages) args.push("--keep-messages");
  if (opts.standby) args.push("--standby");
  if (opts.progressMs) args.push(`--progress-ms=${opts.progressMs}`);
  args.push(...ports.map(String));
  const proc = spawnTracked(name, process.execPath, args, {
    onStdoutLine: (line) => {
      const event = parseSinkEvent(line);
      if (!event) return;
      events.push(event);
      if (event.ev === "closed") closed.push(event.stats);
    },
  });
  const listeningAt = (port: number) => events.find((e) => e.ev === "listening" && e.port === port)?.at;
  return {
    proc,
    ports,
    events,
    closed,
    listeningAt,
    ready: () => events.some((e) => e.ev === "ready"),
    release: () => {
      if (proc.running()) process.kill(proc.pid, "SIGUSR2");
    },
    async waitListening(timeoutMs) {
      const ok = await waitFor(() => !proc.running() || ports.every((p) => listeningAt(p) !== undefined), timeoutMs, 20);
      if (!proc.running()) throw new Error(`${name} exited before listening:\n${proc.tail()}`);
      if (!ok) throw new Error(`${name}: not listening on ${ports.join(", ")} after ${timeoutMs} ms`);
    },
  };
}

/** The first event of a kind on a port (and connection, if given) at or after `since`. */
export function firstEvent<K extends SinkEvent["ev"]>(
  sink: SinkProcess,
  ev: K,
  port: number,
  since = 0,
): Extract<SinkEvent, { ev: K }> | undefined {
  return sink.events.find((e): e is Extract<SinkEvent, { ev: K }> => e.ev === ev && "port" in e && e.port === port && e.at >= since);
}
