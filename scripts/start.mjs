// @ts-check
/**
 * `npm start`: builds dist/ only when src/ changed since the last build (scripts/build.mjs), then runs
 * Prism in this same process, so a restart on an unchanged checkout costs what `node dist/main.js` costs.
 * Arguments after `npm start --` reach the CLI as they would reach `prism`.
 */
import { ensureBuilt } from "./build.mjs";

try {
  ensureBuilt();
} catch (err) {
  process.stderr.write(`${/** @type {Error} */ (err).message}\n`);
  process.exit(1);
}
// dist/main.js reads process.argv from index 2, which holds the same arguments here.
await import("../dist/main.js");
