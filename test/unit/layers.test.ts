import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules/.bin/depcruise");

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** depcruise on `dir`'s src/ with Prism's rules; the violations it reports. */
async function violations(dir: string): Promise<Violation[]> {
  const { stdout } = await run(DEPCRUISE, ["src", "--config", CONFIG, "--output-type", "json"], { cwd: dir, maxBuffer: 64 << 20 }).catch(
    // depcruise exits non-zero when it finds violations; its JSON report is still on stdout.
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }),
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe("layer rules (.dependency-cruiser.cjs)", () => {
  afterAll(removeTempDirs);

  it("hold for Prism's own source", async () => {
    expect(await violations(ROOT)).toEqual([]);
  });

  it("refuse a lower layer importing a higher one, a plug-in reaching into the runtime, a feature's internals and cycles", async () => {
    const dir = await makeTempDir("layers-");
    const files: Record<string, string> = {
      "src/core/backoff.ts": "export const b = 1;\n",
      "src/core/bad.ts": 'import { d } from "../destinations/registry.js";\nexport const c = d;\n',
      "src/api/app.ts": "export const a = 1;\n",
      "src/relay/output.ts": 'import { a } from "../api/app.js";\nimport { b } from "../core/backoff.js";\nexport const o = a + b;\n',
      "src/db/repo.ts": "export const r = 1;\n",
      "src/destinations/registry.ts": 'import { r } from "../db/repo.js";\nexport const d = r;\n',
      "src/oauth/index.ts": "export const i = 1;\n",
      "src/oauth/internal.ts": "export const n = 1;\n",
      "src/comments/feed.ts": 'import { n } from "../oauth/internal.js";\nimport { i } from "../oauth/index.js";\nexport const f = n + i;\n',
      "src/webhooks/one.ts": 'import { t } from "./two.js";\nexport const o = () => t;\n',
      "src/webhooks/two.ts": 'import { o } from "./one.js";\nexport const t = () => o;\n',
      "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true }, include: ["src"] }),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const found = (await violations(dir)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "core-is-the-bottom: src/core/bad.ts → src/destinations/registry.ts",
        "relay-imports-only-core-media-net: src/relay/output.ts → src/api/app.ts",
        "nothing-below-imports-the-top: src/relay/output.ts → src/api/app.ts",
        "destinations-import-only-core-net: src/destinations/registry.ts → src/db/repo.ts",
        "features-stay-out-of-each-others-internals: src/comments/feed.ts → src/oauth/internal.ts",
        expect.stringMatching(/^no-circular: src\/webhooks\/(one|two)\.ts → src\/webhooks\/(one|two)\.ts$/),
      ]),
    );
    // What the rules allow stays allowed: core from the relay, a feature's index.ts from another.
    expect(found.filter((v) => v.includes("src/core/backoff.ts") || v.includes("src/oauth/index.ts"))).toEqual([]);
  });
});
