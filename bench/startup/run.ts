/**
 * Start-up time: how long until GET /healthz answers 200, measured from the moment the command is run.
 *
 *   npm run bench:startup [-- --runs=3]
 *
 * Three ways to start, in this order, on the same data dir (a restart, as after a crash):
 *   1. `npm start` with sources newer than dist/ (the build stamp is removed first): tsc runs once;
 *   2. `npm start` again on the unchanged checkout: no build;
 *   3. `node dist/main.js start`, the floor.
 * The first way runs once, the others --runs times. Prints figures; asserts nothing. Goal (issue #19): the second `npm start` answers within 5 s.
 *
 *   npm run bench:startup -- --against=/path/to/other/checkout [--runs=9]
 *
 * compares instead `node dist/main.js start` of this checkout with that of another one (built there first), both
 * with this checkout's node flags, alternately, --runs rounds after one unmeasured start of each (which creates
 * its database), each on a data dir of its own. Issue #21: a single-node Prism starts within 10 % of before.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { CLK_TCK, cpuTicks, freePort, installCleanup, makeTempDir, removeTempDir, sleep, spawnTracked, stop } from "../lib/proc.js";
import { npmCommand, prismCommand, prismEnv, prismRevision, repoRoot } from "../relay/prism.js";

const option = (name: string, fallback: number) => {
  const raw = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
};
const RUNS = option("runs", 3);
const AGAINST = process.argv.slice(2).find((a) => a.startsWith("--against="))?.slice("--against=".length);
const HEALTHZ_TIMEOUT_MS = 300_000; // a cold tsc build on a busy 2-core machine can take minutes

interface Way {
  label: string;
  command: string;
  args: string[];
  /** How many times to start this way; --runs by default. */
  runs?: number;
  /** Runs before each start (to make dist/ stale). */
  before?: () => void;
}

/** Starts Prism with `way`, returns the milliseconds until /healthz answered 200, then stops it. */
async function timeToHealthz(way: Way, env: NodeJS.ProcessEnv, origin: string, cwd = repoRoot, onReady?: (pid: number) => void): Promise<number> {
  way.before?.();
  const t0 = performance.now();
  // Own process group: `npm start` is npm → sh → node, and SIGTERM must reach Prism itself.
  const proc = spawnTracked(way.label, way.command, way.args, { cwd, env, group: true });
  try {
    for (;;) {
      if (!proc.running()) throw new Error(`${way.label} exited before /healthz answered:\n${proc.tail()}`);
      if (performance.now() - t0 > HEALTHZ_TIMEOUT_MS) throw new Error(`${way.label}: /healthz did not answer within ${HEALTHZ_TIMEOUT_MS / 1000} s`);
      const ok = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false);
      if (ok) {
        const took = performance.now() - t0;
        onReady?.(proc.pid);
        return took;
      }
      await sleep(25);
    }
  } finally {
    await stop(proc, 12_000); // Prism's own shutdown allows itself 10 s
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(AGAINST ? 2 : 1)} s`;

/** `node dist/main.js start` here and in `other`, alternately; prints both medians and their ratio. */
async function compareWith(other: string): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const { args, env: flagEnv } = prismCommand();
  const flags = args.slice(0, -1);
  const checkouts = [
    { label: `this checkout (${prismRevision()})`, root: repoRoot },
    { label: `${other} (${gitRevision(other)})`, root: other },
  ].map((c) => ({ ...c, dataDir: makeTempDir("prism-bench-startup-"), ms: [] as number[], cpuMs: [] as number[] }));
  for (let round = 0; round <= RUNS; round++) {
    // Alternate which goes first, so that neither always follows the other's shutdown.
    const order = round % 2 === 0 ? checkouts : [...checkouts].reverse();
    for (const c of order) {
      const rtmpPort = await freePort();
      const httpPort = await freePort();
      const env = prismEnv({ rtmpPort, httpPort, dataDir: c.dataDir, token: randomBytes(24).toString("base64url") }, flagEnv);
      const way: Way = { label: c.label, command: process.execPath, args: [...flags, join(c.root, "dist", "main.js"), "start"] };
      let cpuMs = 0;
      // CPU time (user + system) Prism spent until it answered: less at the mercy of a shared machine's load.
      const took = await timeToHealthz(way, env, `http://127.0.0.1:${httpPort}`, c.root, (pid) => (cpuMs = ((cpuTicks(pid) ?? 0) * 1000) / CLK_TCK));
      process.stderr.write(`${round === 0 ? "warm-up (not counted) " : ""}${c.label}: ${seconds(took)}, CPU ${seconds(cpuMs)}\n`);
      if (round > 0) {
        c.ms.push(took);
        c.cpuMs.push(cpuMs);
      }
    }
  }
  for (const c of checkouts) removeTempDir(c.dataDir);
  console.log(`\nnode ${[...flags, "dist/main.js"].join(" ")} start → GET /healthz 200, ${RUNS} alternating rounds after one warm-up each (median; every run in brackets)`);
  console.log(`Node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before → ${loadavg()[0]!.toFixed(1)} after\n`);
  const width = Math.max(...checkouts.map((c) => c.label.length));
  for (const [what, pick] of [["wall time", (c: (typeof checkouts)[number]) => c.ms], ["CPU time (user + system) of the Prism process until then", (c: (typeof checkouts)[number]) => c.cpuMs]] as const) {
    console.log(`  ${what}`);
    for (const c of checkouts) console.log(`    ${c.label.padEnd(width)}  ${seconds(median(pick(c))).padStart(7)}  [${pick(c).map(seconds).join(", ")}]`);
    const [mine, theirs] = checkouts.map((c) => median(pick(c)));
    console.log(`    this checkout / other: ${(mine! / theirs!).toFixed(3)} (medians)`);
  }
}

function gitRevision(dir: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
  } catch {
    return "unknown revision";
  }
}

async function main(): Promise<void> {
  installCleanup();
  if (AGAINST) return compareWith(resolve(AGAINST));
  const loadBefore = loadavg()[0]!;
  const npm = npmCommand();
  const ways: Way[] = [
    {
      label: "npm start, sources changed (builds)",
      command: npm.command,
      args: [...npm.args, "start"],
      runs: 1, // a full tsc build each time: once is enough to show what it costs
      before: () => rmSync(join(repoRoot, "dist", ".build-stamp"), { force: true }),
    },
    { label: "npm start, unchanged (no build)", command: npm.command, args: [...npm.args, "start"] },
    { label: "node dist/main.js start", command: process.execPath, args: [...prismCommand().args, "start"] },
  ];

  const dataDir = makeTempDir("prism-bench-startup-");
  const rows: Array<{ label: string; ms: number[] }> = [];
  for (const way of ways) {
    const ms: number[] = [];
    for (let i = 0; i < (way.runs ?? RUNS); i++) {
      // Fresh ports each time: the previous run's sockets may linger in TIME_WAIT.
      const rtmpPort = await freePort();
      const httpPort = await freePort();
      const env = prismEnv({ rtmpPort, httpPort, dataDir, token: randomBytes(24).toString("base64url") }, prismCommand().env);
      const took = await timeToHealthz(way, env, `http://127.0.0.1:${httpPort}`);
      process.stderr.write(`${way.label}: ${seconds(took)}\n`);
      ms.push(took);
    }
    rows.push({ label: way.label, ms });
  }
  removeTempDir(dataDir);

  console.log(`\nTime from running the command to GET /healthz answering 200 (median; every run in brackets)`);
  console.log(`Prism ${prismRevision()}, Node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before → ${loadavg()[0]!.toFixed(1)} after\n`);
  const width = Math.max(...rows.map((r) => r.label.length));
  for (const row of rows) console.log(`  ${row.label.padEnd(width)}  ${seconds(median(row.ms)).padStart(7)}  [${row.ms.map(seconds).join(", ")}]`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:startup failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
