import { afterAll, describe, expect, it } from "vitest";
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

const ROOT = resolve(import.meta.dirname, "../..");
const STORE = join(ROOT, "src/db/store.ts");

/**
 * What tsc lets through once storage answers with promises (issue #21): `if (store.streams.get(id))`
 * compiles and is always true, and `store.streams.delete(id);` compiles and fails unseen. The project
 * has no eslint (typescript-eslint's no-floating-promises / no-misused-promises would say the same),
 * so this asks TypeScript's own checker, on the real types:
 *
 * - a call on a store (a value of one of src/db/store.ts's `XStore` types, or `Async<…>`) whose promise is
 *   dropped: a statement of its own that is neither awaited, returned nor `void`ed;
 * - any promise used as a truth value: the condition of if / while / for / `?:`, or the operand of `!`,
 *   `&&` or `||` (a promise is always truthy).
 */
function misusedPromises(files: string[]): string[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const found: string[] = [];
  /** Always a promise (as no-misused-promises asks): `Promise<T> | undefined` tested for presence is fine. */
  const isPromise = (node: ts.Expression) => {
    const type = checker.getTypeAtLocation(node);
    return (type.isUnion() ? type.types : [type]).every((t) => t.getSymbol()?.getName() === "Promise");
  };
  const onStore = (call: ts.CallExpression) => {
    if (!ts.isPropertyAccessExpression(call.expression)) return false;
    const receiver = checker.typeToString(checker.getTypeAtLocation(call.expression.expression));
    return /^Async<|Store$/.test(receiver) && receiver !== "Store";
  };
  const where = (node: ts.Node) => {
    const file = node.getSourceFile();
    const { line } = file.getLineAndCharacterOfPosition(node.getStart());
    return `${relative(ROOT, file.fileName)}:${line + 1}: ${node.getText().replace(/\s+/g, " ").slice(0, 100)}`;
  };
  const truthValue = (node: ts.Expression) => {
    const inner = skipOuter(node);
    if (isPromise(inner)) found.push(`${where(inner)}  (a promise used as a truth value: always true)`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isExpressionStatement(node)) {
      const expr = skipOuter(node.expression);
      if (ts.isCallExpression(expr) && onStore(expr) && isPromise(expr)) found.push(`${where(expr)}  (the store's answer is dropped: await, return or void it)`);
    }
    if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) truthValue(node.expression);
    if (ts.isForStatement(node) && node.condition) truthValue(node.condition);
    if (ts.isConditionalExpression(node)) truthValue(node.condition);
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) truthValue(node.operand);
    if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) truthValue(node.left);
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles()) if (files.includes(file.fileName)) visit(file);
  return found;
}

/** The expression inside parentheses, `as`, `!` and `satisfies`. */
function skipOuter(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isTypeAssertionExpression(node) || ts.isSatisfiesExpression(node)) node = node.expression;
  return node;
}

/** Everything under src/ but storage itself (src/db) and the web page's own scripts. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return [join(ROOT, "src/db"), join(ROOT, "src/web/public")].includes(path) ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("store calls outside src/db are awaited (issue #21: storage answers with promises)", () => {
  afterAll(removeTempDirs);

  it("holds for Prism's own source", { timeout: 180_000 }, () => {
    expect(misusedPromises(sourceFiles(join(ROOT, "src")))).toEqual([]);
  });

  it("finds a store call used as a truth value or dropped, and lets awaited, returned and voided ones pass", { timeout: 180_000 }, async () => {
    const dir = await makeTempDir("store-calls-");
    const file = join(dir, "fixture.ts");
    writeFileSync(
      file,
      [
        `import type { Store, StreamsStore } from ${JSON.stringify(STORE.replace(/\.ts$/, ".js"))};`,
        "export async function bad(store: Store, streams: StreamsStore, id: string) {",
        "  if (store.streams.get(id)) return 1;",
        "  store.streams.delete(id);",
        "  return !streams.get(id) ? 2 : 3;",
        "}",
        "export async function good(store: Store, streams: StreamsStore, id: string) {",
        "  if (await store.streams.get(id)) await store.streams.delete(id);",
        "  void streams.delete(id);",
        "  return streams.get(id);",
        "}",
        "",
      ].join("\n"),
    );
    const found = misusedPromises([file]).map((f) => f.replace(/^.*fixture\.ts:/, ""));
    expect(found).toEqual([
      "3: store.streams.get(id)  (a promise used as a truth value: always true)",
      "4: store.streams.delete(id)  (the store's answer is dropped: await, return or void it)",
      "5: streams.get(id)  (a promise used as a truth value: always true)",
    ]);
  });
});
