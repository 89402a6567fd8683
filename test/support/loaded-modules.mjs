// Preload (`node --import`) for test/unit/lazy-modules.test.ts: records every module the process loads, ESM
// through a load hook and CommonJS from require's cache, in the file named by $PRISM_TEST_LOADED_MODULES
// when the process exits, and one line "intl:<Formatter>" per Intl formatter built (each maps megabytes of
// ICU's locale and zone data into memory). Plain JavaScript: it runs before anything is compiled.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.PRISM_TEST_LOADED_MODULES;
if (!file) throw new Error("loaded-modules.mjs needs PRISM_TEST_LOADED_MODULES");
register(new URL("./loaded-modules-hook.mjs", import.meta.url), { data: file });
const cache = createRequire(import.meta.url).cache;
for (const name of ["DateTimeFormat", "NumberFormat", "Collator", "RelativeTimeFormat", "ListFormat", "PluralRules", "Segmenter", "DisplayNames"]) {
  const Formatter = Intl[name];
  if (!Formatter) continue;
  const record = () => appendFileSync(file, `intl:${name}\n`);
  // Called with or without `new`, as the constructors allow.
  Intl[name] = new Proxy(Formatter, {
    construct: (target, args, newTarget) => (record(), Reflect.construct(target, args, newTarget)),
    apply: (target, self, args) => (record(), Reflect.apply(target, self, args)),
  });
}
process.on("exit", () => appendFileSync(file, `${Object.keys(cache).join("\n")}\n`));
