// Preload (`node --import`) for test/unit/lazy-modules.test.ts: records every module the process loads, ESM
// through a load hook and CommonJS from require's cache, in the file named by $PRISM_TEST_LOADED_MODULES
// when the process exits. Plain JavaScript: it runs before anything is compiled.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.PRISM_TEST_LOADED_MODULES;
if (!file) throw new Error("loaded-modules.mjs needs PRISM_TEST_LOADED_MODULES");
register(new URL("./loaded-modules-hook.mjs", import.meta.url), { data: file });
const cache = createRequire(import.meta.url).cache;
process.on("exit", () => appendFileSync(file, `${Object.keys(cache).join("\n")}\n`));
