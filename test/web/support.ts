import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.PRISM_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = "test-results";

export interface TestBrowser {
  /** Every console error and uncaught exception of the pages the running test opened through newPage. */
  consoleErrors: string[];
  /** `locale`: the browser's language (navigator.languages, Accept-Language), e.g. "de-DE". */
  newPage(viewport?: { width: number; height: number }, permissions?: string[], locale?: string): Promise<Page>;
}

/** One headless Debian Chromium for a describe block; each newPage is its own context (own cookies). */
export function useBrowser(): TestBrowser {
  let browser: Browser | undefined;
  const consoleErrors: string[] = [];
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: the dashboard tests need it. Install Debian's package (apt-get update && apt-get install -y chromium; .ci/run does it) or set PRISM_TEST_CHROMIUM.`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir in args).
    });
  });
  // A page left open keeps polling (health, thumbnails): its errors would land in the next test's list.
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)));
    consoleErrors.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    consoleErrors,
    async newPage(viewport = { width: 1280, height: 900 }, permissions = [], locale?: string) {
      const context = await browser!.newContext({ viewport, ...(locale && { locale }) });
      contexts.push(context);
      if (permissions.length > 0) await context.grantPermissions(permissions);
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") consoleErrors.push(`${m.text()} (${m.location().url})`);
      });
      page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
      return page;
    },
  };
}

export async function logIn(page: Page, url: string, token: string, landing = "Streams"): Promise<void> {
  await page.goto(url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: landing }).first().waitFor();
}

/** A screenshot kept as an artifact must be a real PNG of a real page, not an empty file or a blank tile. */
export function expectPng(path: string, minBytes = 5_000): { width: number; height: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${path} is not a PNG`).toBe(true);
  expect(bytes.length, `${path} is suspiciously small`).toBeGreaterThan(minBytes);
  // IHDR is the first chunk: width and height, big-endian, right after its type.
  const size = { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  expect(size.width).toBeGreaterThan(100);
  expect(size.height).toBeGreaterThan(100);
  return size;
}
