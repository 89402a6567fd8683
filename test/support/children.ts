import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/**
 * Registry of every child process a test starts, so afterEach/afterAll can call killAll() and
 * no ffmpeg outlives its test, even when an assertion fails halfway.
 */

export interface ExitInfo {
  /** null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last STDERR_TAIL_BYTES of stderr: ffmpeg's errors come at the end, the head is banner noise. */
  stderr: string;
}

export interface TrackedProcess {
  process: ChildProcess;
  pid: number;
  /** Resolves (never rejects) once the process has exited and its stderr is fully read. */
  exited: Promise<ExitInfo>;
  /** True once `exited` has resolved. */
  hasExited(): boolean;
  /** The stderr tail so far, for diagnosing a process that is still running. */
  stderrTail(): string;
  /** Collected stdout when spawned with `collectStdout`; otherwise "". */
  stdout(): string;
  /** Send `signal`, escalate to SIGKILL after `graceMs`, and wait for the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitInfo>;
}

export interface SpawnTrackedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout in memory (ffprobe); otherwise it is discarded so a chatty child never blocks on a full pipe. */
  collectStdout?: boolean;
  /** Called with each stderr chunk as it arrives, e.g. to spot "Input #0" from a receiver. */
  onStderr?: (chunk: string) => void;
}

export const STDERR_TAIL_BYTES = 64 * 1024;
export const DEFAULT_GRACE_MS = 5_000;

const live = new Set<TrackedProcess>();

/** Keep only the last `max` characters; trimming at a line boundary keeps the tail readable. */
function appendTail(tail: string, chunk: string, max: number): string {
  const next = tail + chunk;
  if (next.length <= max) return next;
  const cut = next.slice(next.length - max);
  const newline = cut.indexOf("\n");
  return newline >= 0 && newline < 1024 ? cut.slice(newline + 1) : cut;
}

let exitHookInstalled = false;

/**
 * Last line of defence: if the test worker exits without running hooks, SIGKILL whatever is
 * left. Only synchronous work is possible in an 'exit' listener, hence no grace period here.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const tracked of live) {
      try {
        tracked.process.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** Spawns `cmd` with an argument array (never a shell) and registers it for killAll(). */
export function spawnTracked(cmd: string, args: readonly string[], options: SpawnTrackedOptions = {}): TrackedProcess {
  installExitHook();
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    shell: false,
    // ffmpeg reads stdin for interactive keys; an ignored stdin (plus -nostdin) avoids surprises.
    stdio: ["ignore", options.collectStdout ? "pipe" : "ignore", "pipe"],
  };
  const child = spawn(cmd, [...args], spawnOptions);

  let stderrTail = "";
  let stdout = "";
  let done = false;
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderrTail = appendTail(stderrTail, chunk, STDERR_TAIL_BYTES);
    options.onStderr?.(chunk);
  });
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    stdout += chunk;
  });

  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close' (not 'exit') fires after the stdio pipes drained, so the stderr tail is complete.
    child.once("close", (code, signal) => {
      done = true;
      resolve({ code, signal, stderr: stderrTail });
    });
    // spawn failures (ENOENT, EACCES) emit 'error' and may never emit 'close'.
    child.on("error", (err) => {
      if (child.pid !== undefined) return;
      done = true;
      resolve({ code: null, signal: null, stderr: `${stderrTail}spawn failed: ${err.message}\n` });
    });
  });

  const tracked: TrackedProcess = {
    process: child,
    pid: child.pid ?? -1,
    exited,
    hasExited: () => done,
    stderrTail: () => stderrTail,
    stdout: () => stdout,
    stop: (signal = "SIGTERM", graceMs = DEFAULT_GRACE_MS) => stopProcess(tracked, signal, graceMs),
  };
  live.add(tracked);
  void exited.then(() => live.delete(tracked));
  return tracked;
}

async function stopProcess(tracked: TrackedProcess, signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo> {
  if (tracked.hasExited()) return tracked.exited;
  try {
    tracked.process.kill(signal);
  } catch {
    // raced with a natural exit
  }
  const timer = setTimeout(() => {
    if (!tracked.hasExited()) tracked.process.kill("SIGKILL");
  }, graceMs);
  try {
    return await tracked.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM every live tracked process, SIGKILL stragglers after `graceMs`, and wait for all exits. */
export async function killAll(graceMs = DEFAULT_GRACE_MS): Promise<void> {
  await Promise.all([...live].map((tracked) => tracked.stop("SIGTERM", graceMs)));
}

/** How many tracked processes are still running (for asserting a test cleaned up). */
export function liveCount(): number {
  return live.size;
}

export interface RunResult extends ExitInfo {
  stdout: string;
}

/**
 * Runs a short-lived tool (ffprobe, ffmpeg -f null) to completion. Tracked like the rest so a
 * hung probe is still killed by killAll(); `timeoutMs` bounds it on its own as well.
 */
export async function runToCompletion(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  const tracked = spawnTracked(cmd, args, { collectStdout: true });
  const timer = setTimeout(() => void tracked.stop("SIGKILL", 0), timeoutMs);
  try {
    const info = await tracked.exited;
    if (info.signal === "SIGKILL") {
      throw new Error(`${cmd} did not finish within ${timeoutMs} ms\n${info.stderr}`);
    }
    return { ...info, stdout: tracked.stdout() };
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects with a labelled error if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
