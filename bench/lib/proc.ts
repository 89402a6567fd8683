/**
 * Spawning, stopping and measuring child processes for the benches.
 *
 * Every child is spawned without a shell (argument arrays) and recorded here, so that
 * `installCleanup()` can stop all of them on a normal end, on an error and on Ctrl-C.
 * CPU and memory are read from /proc, Linux only.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const TAIL_BYTES = 16 * 1024;

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Spawned as the leader of its own process group; signals go to the whole group. */
  readonly group: boolean;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
  running(): boolean;
  /** The last few KiB of what the process wrote (stderr, and stdout unless a line handler takes it). */
  tail(): string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Own process group (for programs that fork workers, like nginx). */
  group?: boolean;
  /** Called for each stdout line; stdout is then not kept in tail(). */
  onStdoutLine?: (line: string) => void;
}

const live = new Set<Proc>();

export function spawnTracked(name: string, command: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: opts.group === true,
    shell: false,
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
  };
  child.stderr?.on("data", keep);
  if (opts.onStdoutLine) {
    const onLine = opts.onStdoutLine;
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, nl).trim());
        pending = pending.slice(nl + 1);
      }
    });
  } else {
    child.stdout?.on("data", keep);
  }

  let done = false;
  let spawnError: Error | undefined;
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? signal);
    });
    child.once("error", (err) => {
      spawnError = err;
      if (child.pid === undefined) {
        done = true;
        resolve(null);
      }
    });
  });
  if (child.pid === undefined) {
    // spawn() reports ENOENT and the like asynchronously; the pid is already missing now.
    throw new Error(`could not start ${name} (${command}): ${spawnError?.message ?? "no pid"}`);
  }
  const proc: Proc = {
    name,
    pid: child.pid,
    child,
    group: opts.group === true,
    exited,
    running: () => !done,
    tail: () => tail,
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

function signal(proc: Proc, sig: NodeJS.Signals): void {
  try {
    process.kill(proc.group ? -proc.pid : proc.pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stop(proc: Proc, graceMs = 4000): Promise<void> {
  if (!proc.running()) {
    if (proc.group) signal(proc, "SIGKILL"); // stray group members (e.g. nginx workers)
    return;
  }
  signal(proc, "SIGTERM");
  const timedOut = await Promise.race([proc.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    signal(proc, "SIGKILL");
    await proc.exited;
  }
  if (proc.group) signal(proc, "SIGKILL");
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stop(p)));
}

function killAllNow(): void {
  for (const p of live) signal(p, "SIGKILL");
}

const tempDirs = new Set<string>();

/** A fresh directory under the system temp dir, removed by removeTempDir() or at exit. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Stop every tracked child on exit, on an uncaught error and on Ctrl-C / SIGTERM. */
export function installCleanup(onSignal?: () => Promise<void>): void {
  process.on("exit", () => {
    killAllNow();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (stopping) {
        killAllNow();
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`\n${sig}: stopping every child process…\n`);
      const hard = setTimeout(() => {
        killAllNow();
        process.exit(130);
      }, 8000);
      hard.unref();
      void stopAll()
        .then(() => onSignal?.())
        .finally(() => process.exit(130));
    });
  }
}

/** Run a program to completion (no shell) and return its stdout+stderr; throws on a non-zero exit. */
export async function runToEnd(name: string, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  const p = spawnTracked(name, command, args, opts);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${name} failed (exit ${String(code)}):\n${p.tail()}`);
  return p.tail();
}

// ---------------------------------------------------------------------------------------------
// /proc readings

export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime + stime of a process in clock ticks, or undefined when it is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

/** VmRSS in KiB, or undefined when the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Direct children of a process, read from /proc/<pid>/stat (field 4 is the parent pid). */
export function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export interface Usage {
  /** CPU over the window as a percentage of one core, summed over the counted processes. */
  cpuPct: number;
  /** CPU % of each equal part of the window (to see the spread). */
  partsPct: number[];
  /** VmRSS at the end of the window, summed, in MiB. */
  rssMiB: number;
  /** Counted processes that disappeared during the window. */
  lost: number[];
}

/**
 * Sample utime+stime of `pids()` over `windowMs` (in `parts` equal steps) and read VmRSS at the end.
 * `onStep` runs after each step (e.g. to check the receivers).
 */
export async function measure(pids: () => number[], windowMs: number, parts = 4, onStep?: () => void): Promise<Usage> {
  const counted = pids();
  const read = () => counted.map((p) => cpuTicks(p));
  const first = read();
  const t0 = performance.now();
  let prev = first;
  let tPrev = t0;
  const partsPct: number[] = [];
  for (let i = 0; i < parts; i++) {
    await sleep(windowMs / parts);
    const now = read();
    const t = performance.now();
    partsPct.push(pct(prev, now, t - tPrev));
    prev = now;
    tPrev = t;
    onStep?.();
  }
  const cpuPct = pct(first, prev, tPrev - t0);
  const rss = counted.map((p) => rssKiB(p));
  const lost = counted.filter((_, i) => prev[i] === undefined || rss[i] === undefined);
  return { cpuPct, partsPct, rssMiB: rss.reduce<number>((s, v) => s + (v ?? 0), 0) / 1024, lost };
}

function pct(a: (number | undefined)[], b: (number | undefined)[], ms: number): number {
  let ticks = 0;
  a.forEach((v, i) => {
    const w = b[i];
    if (v !== undefined && w !== undefined) ticks += w - v;
  });
  return ((ticks / CLK_TCK) * 100) / (ms / 1000);
}

// ---------------------------------------------------------------------------------------------
// Ports

const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that is free now and not handed out before in this run. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
      });
    });
    if (port && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Ports in LISTEN state, read from /proc/net/tcp and tcp6 (no connection is made). */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== "0A") continue; // TCP_LISTEN
      const port = cols[1]?.split(":")[1];
      if (port) ports.add(parseInt(port, 16));
    }
  }
  return ports;
}

/** Wait until every port is in LISTEN state; throws after `timeoutMs`. */
export async function waitListening(ports: number[], timeoutMs: number, what: string, alive?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = listeningPorts();
    const missing = ports.filter((p) => !open.has(p));
    if (missing.length === 0) return;
    const dead = alive?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (Date.now() > deadline) throw new Error(`${what}: port(s) ${missing.join(", ")} not listening after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Wait until `check()` returns true; false after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
}

/** The executable `name` from PATH (plus the sbin directories), or undefined. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
