import { describe, expect, it } from "vitest";
import { platforms } from "../../src/destinations/registry.js";
import type { PlatformAdapter } from "../../src/destinations/types.js";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";

const all = Object.values(platforms) as PlatformAdapter[];

describe("platforms' dashboard panels, served from their own folders", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const get = (path: string) => fetch(`http://127.0.0.1:${t.prism.httpPort}${path}`);

  it("the page's platform list says which platforms have a panel, as their adapters declare it", async () => {
    const res = await get("/assets/platform-list.js");
    const list = JSON.parse(/export const PLATFORMS = (.*);/.exec(await res.text())![1]!) as Array<{ id: string; panel: boolean }>;
    expect(list.map((p) => [p.id, p.panel])).toEqual(all.map((p) => [p.id, p.dashboardPanel === true]));
    expect(list.some((p) => p.panel), "at least one platform has a panel, or this test proves nothing").toBe(true);
  });

  it("serves each declared panel as a module that exports Panel and imports the dashboard's modules by absolute path", async () => {
    for (const p of all.filter((p) => p.dashboardPanel)) {
      const res = await get(`/assets/platforms/${p.id}/panel.js`);
      expect(res.status, p.id).toBe(200);
      expect(res.headers.get("content-type"), p.id).toMatch(/^text\/javascript/);
      const source = await res.text();
      expect(source, p.id).toMatch(/export function Panel\(/);
      // Relative imports would resolve under /assets/platforms/<id>/, where nothing is served.
      expect(source.match(/from "\.\.?\//g) ?? [], p.id).toEqual([]);
    }
  });

  it("answers 404 in JSON for a platform without a panel, an unknown one, and any other file of a platform's folder", async () => {
    const without = all.find((p) => !p.dashboardPanel)!;
    for (const path of [`/assets/platforms/${without.id}/panel.js`, "/assets/platforms/nosuch/panel.js", "/assets/platforms/x/index.ts", "/assets/platforms/x/settings.ts", "/assets/platforms/..%2F..%2Fpackage.json/panel.js"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
    }
  });
});
