// @ts-check
/**
 * Builds dist/ from src/ with tsc, but only when a source is newer than the last successful build,
 * so that `npm start` on an unchanged checkout starts in about a second instead of waiting ~15 s for tsc.
 *
 *   node scripts/build.mjs           # build when stale (the `prepare` script: npm install builds once)
 *   node scripts/build.mjs --force   # always build (`npm run build`)
 *
 * Plain JavaScript on purpose: it has to run before anything is compiled.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, realpathSync, statSync, utimesSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
/** Touched after a build that tsc finished without errors, with the time the build started. */
const STAMP = join(root, "dist", ".build-stamp");
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json"];

/** The newest modification time (ms) of any file among the build's inputs. */
function newestInputMtime() {
  let newest = 0;
  for (const input of INPUTS) {
    const path = join(root, input);
    const files = statSync(path).isDirectory()
      ? readdirSync(path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name))
      : [path];
    for (const file of files) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** Why dist/ has to be (re)built, or undefined when it is up to date. */
export function staleReason() {
  if (!existsSync(join(root, "dist", "main.js")) || !existsSync(STAMP)) return "dist/ has not been built yet";
  return newestInputMtime() > statSync(STAMP).mtimeMs ? "sources changed since the last build" : undefined;
}

/** Runs tsc; throws with a message a person can act on when it cannot build. */
export function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  } catch {
    throw new Error("TypeScript is not installed, so dist/ cannot be built: run `npm install` (with dev dependencies) first.");
  }
  const startedAt = new Date();
  // No shell: tsc is a script run by this very node.
  const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`tsc failed (${result.signal ?? `exit ${result.status}`}): dist/ was not updated; fix the errors above.`);
  // Stamped with the start time, so a file saved while tsc ran still counts as newer next time.
  closeSync(openSync(STAMP, "w"));
  utimesSync(STAMP, startedAt, startedAt);
}

/** Builds when dist/ is stale (or always with `force`); says on stderr what it does and how long it took. */
export function ensureBuilt(force = false) {
  if (!existsSync(join(root, "src"))) {
    // The Dockerfile installs dependencies (and so runs `prepare`) before it copies the sources.
    process.stderr.write("No src/ here: nothing to build.\n");
    return;
  }
  const reason = force ? "build requested" : staleReason();
  if (!reason) return;
  const t0 = Date.now();
  process.stderr.write(`Building dist/ (${reason})…\n`);
  build();
  process.stderr.write(`Built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
}

// Run as a script (not imported by start.mjs); realpath, because import.meta.url has symlinks resolved.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureBuilt(process.argv.includes("--force"));
  } catch (err) {
    process.stderr.write(`${/** @type {Error} */ (err).message}\n`);
    process.exit(1);
  }
}
