import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryLaunch } from "../../scripts/node-flags.mjs";
import { makeTempDir, removeTempDir } from "../support/tmp.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

/** The node flags written once, in the entry point's shebang (dist/main.js keeps src/main.ts's first line). */
const launch = entryLaunch(join(repoRoot, "src", "main.ts"));

describe("how node runs Prism", () => {
  it("bounds V8's young generation in the entry point's shebang", () => {
    expect(launch.flags.filter((f) => /^--max-semi-space-size=\d+$/.test(f))).toHaveLength(1);
  });

  it("runs `npm start` and `npm run prism` with the same flags", () => {
    // npm scripts cannot set environment variables portably, so the shebang must not need any.
    expect(launch.env).toEqual({});
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    for (const name of ["start", "prism"]) expect(scripts[name]).toBe(["node", ...launch.flags, "scripts/start.mjs"].join(" "));
  });

  it("runs the Docker image with the same flags", () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read("Dockerfile"))?.[1];
    expect(entrypoint, "the Dockerfile has no ENTRYPOINT [...] line").toBeDefined();
    expect(JSON.parse(entrypoint!)).toEqual(["node", ...launch.flags, "dist/main.js"]);
  });

  it("gives node flags it accepts, which bound the young generation as they say", () => {
    const semiMiB = Number(launch.flags.find((f) => f.startsWith("--max-semi-space-size="))!.split("=")[1]);
    // Enough short-lived garbage to grow the young generation to its limit, then its size.
    const script = `let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 5e4) keep = []; }
      console.log(require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size)`;
    const run = (flags: string[]) => spawnSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" });
    const bounded = run(launch.flags);
    expect(bounded.status, bounded.stderr).toBe(0);
    // Two semi-spaces (V8 may add a page or so of bookkeeping).
    expect(Number(bounded.stdout)).toBeLessThanOrEqual((2 * semiMiB + 1) * 1024 * 1024);
    // Without the flag the same garbage grows it further, so the bound above is the flag's doing.
    expect(Number(run([]).stdout)).toBeGreaterThan((2 * semiMiB + 1) * 1024 * 1024);
  });
});

describe("reading the flags from a shebang", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await makeTempDir("prism-node-flags-");
  });
  afterAll(() => removeTempDir(dir));
  const entry = (firstLine: string) => {
    const path = join(dir, `entry-${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(path, `${firstLine}\nconsole.log(1);\n`);
    return path;
  };

  it("splits environment assignments from node's flags", () => {
    expect(entryLaunch(entry("#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --stack-size=900"))).toEqual({
      env: { MALLOC_ARENA_MAX: "2" },
      flags: ["--max-semi-space-size=2", "--stack-size=900"],
    });
    expect(entryLaunch(entry("#!/usr/bin/env -S node"))).toEqual({ env: {}, flags: [] });
  });

  it("refuses an entry whose first line does not say how node runs it", () => {
    expect(() => entryLaunch(entry("#!/usr/bin/env node"))).toThrow(/does not start with/);
    expect(() => entryLaunch(entry("console.log(0);"))).toThrow(/does not start with/);
    expect(() => entryLaunch(entry("#!/usr/bin/env -S --inspect node"))).toThrow(/only NAME=value/);
  });
});
