import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { platforms } from "../../src/destinations/registry.js";
import type { PlatformAdapter } from "../../src/destinations/types.js";
import { describeSettings, loadConfig } from "../../src/config.js";
import { envPrefix } from "../../src/destinations/platform-config.js";

const DESTINATIONS = resolve(import.meta.dirname, "../../src/destinations");
const adapters = Object.entries(platforms) as Array<[string, PlatformAdapter]>;

describe("the platform registry", () => {
  it("lists every platform folder once, under its id", () => {
    const folders = readdirSync(DESTINATIONS).filter((name) => statSync(join(DESTINATIONS, name)).isDirectory());
    expect(folders.sort()).toEqual(adapters.map(([key]) => key).sort());
    for (const [key, p] of adapters) {
      expect(p.id).toBe(key);
      expect(p.id).toMatch(/^[a-z0-9]+$/);
    }
  });

  it("has folders that look alike: index.ts, limits.ts with limits, config.ts and account.ts with accounts", () => {
    for (const [id, p] of adapters) {
      const has = (file: string) => existsSync(join(DESTINATIONS, id, file));
      expect({ id, index: has("index.ts"), limits: has("limits.ts"), config: has("config.ts"), account: has("account.ts") }).toEqual({
        id,
        index: true,
        limits: p.limits !== null,
        config: p.config !== undefined,
        account: p.accounts !== undefined,
      });
      if (p.accounts) expect(p.config, `${id} links accounts, so it declares its settings`).toBeDefined();
    }
  });

  it("derives each platform's settings from its config: PRISM_<ID>_CLIENT_ID … and its own, with defaults", () => {
    const help = describeSettings();
    const config = loadConfig({}, {});
    for (const [id, p] of adapters.filter(([, a]) => a.config)) {
      const prefix = envPrefix(id);
      for (const suffix of ["CLIENT_ID", "CLIENT_SECRET", "AUTH_URL", "TOKEN_URL", "API_URL", ...Object.keys(p.config!.env).map((k) => k.slice(prefix.length))]) {
        expect(help).toContain(`${prefix}${suffix}`);
      }
      const settings = config.accounts.platforms[id]!;
      expect(settings.authUrl).toBe(p.config!.urls.auth.replace(/\/+$/, ""));
      expect(settings.tokenUrl).toBe((p.config!.urls.token ?? p.config!.urls.auth).replace(/\/+$/, ""));
      expect(settings.clientId).toBeUndefined();
    }
  });

  it("reads a platform's settings from the environment and refuses wrong ones by name", () => {
    const [id] = adapters.find(([, a]) => a.config)!;
    const prefix = envPrefix(id);
    const config = loadConfig({ [`${prefix}CLIENT_ID`]: "abc", [`${prefix}API_URL`]: "http://127.0.0.1:9/api/" }, {});
    expect(config.accounts.platforms[id]).toMatchObject({ clientId: "abc", apiUrl: "http://127.0.0.1:9/api" });
    expect(() => loadConfig({ [`${prefix}AUTH_URL`]: "not a url" }, {})).toThrow(`${prefix}AUTH_URL: ${prefix}AUTH_URL must be a URL`);
  });
});
