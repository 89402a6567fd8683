// @ts-check
/**
 * `npm start`: builds dist/ only when src/ changed since the last build (scripts/build.mjs), then runs
 * Prism in this same process, so a restart on an unchanged checkout costs what `node dist/main.js` costs.
 * Arguments after `npm start --` reach the CLI as they would reach `prism`. The node flags of dist/main.js's
 * shebang cannot be set from here (V8 sizes its heap before any script runs): package.json's `start` and
 * `prism` scripts pass them to this node (test/unit/node-flags.test.ts checks they agree).
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
