// @ts-check
/**
 * How node runs Prism, read from the shebang of its entry point (src/main.ts, compiled to dist/main.js):
 * `#!/usr/bin/env -S [NAME=value …] node [--flag …]`. That line is the one place the flags are written;
 * `npm start` (package.json), the Dockerfile's ENTRYPOINT and the benchmarks' Prism run with the same,
 * which test/unit/node-flags.test.ts checks. Plain JavaScript: the benchmarks and tests read it as is.
 */
import { readFileSync } from "node:fs";

/**
 * The environment assignments and node flags in `entry`'s shebang.
 * @param {string} entry path of a script starting with `#!/usr/bin/env -S … node …`
 * @returns {{ env: Record<string, string>, flags: string[] }}
 */
export function entryLaunch(entry) {
  const first = readFileSync(entry, "utf8").split("\n", 1)[0] ?? "";
  const words = /^#!\/usr\/bin\/env -S (.+)$/.exec(first)?.[1]?.trim().split(/\s+/) ?? [];
  const at = words.indexOf("node");
  if (at < 0) throw new Error(`${entry} does not start with "#!/usr/bin/env -S … node …", so how node runs Prism is unknown.`);
  /** @type {Record<string, string>} */
  const env = {};
  for (const word of words.slice(0, at)) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new Error(`${entry}'s shebang has "${word}" before node; only NAME=value may come there.`);
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return { env, flags: words.slice(at + 1) };
}
