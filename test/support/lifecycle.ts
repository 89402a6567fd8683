import { afterAll, afterEach, beforeAll } from "vitest";
import { startTestPrism, type TestPrism } from "./prism.js";
import { killAll } from "./children.js";
import { removeTempDirs } from "./tmp.js";

/**
 * The life of one test Prism for a describe block: started before its tests (with `env`, computed
 * then if it is a function), every child process (publishers, receivers) killed after each test,
 * stopped and its temp dirs removed at the end. `use` receives the started Prism.
 */
export function usePrism(use: (t: TestPrism) => void, env?: Record<string, string> | (() => Promise<Record<string, string>>)): void {
  let t: TestPrism | undefined;
  beforeAll(async () => {
    t = await startTestPrism({ env: typeof env === "function" ? await env() : env });
    use(t);
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t?.stop();
    await removeTempDirs();
  });
}
