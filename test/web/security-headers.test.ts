import { describe, expect, it } from "vitest";
import { usePrism } from "../support/lifecycle.js";
import type { TestPrism } from "../support/prism.js";
import { logIn, useBrowser } from "./support.js";

/** The CSP as a map of directive → sources. */
function csp(header: string | null): Map<string, string[]> {
  expect(header, "Content-Security-Policy").toBeTruthy();
  return new Map(header!.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
}

describe("security headers and Content-Security-Policy on every HTML page", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));
  const { consoleErrors, newPage } = useBrowser();
  const base = () => `http://127.0.0.1:${t.prism.httpPort}`;

  /** Every HTML page Prism serves: the dashboard, and each operation the OpenAPI document says answers text/html. */
  async function htmlPages(): Promise<Array<{ path: string; framed: boolean }>> {
    const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
    const stream = (await t.api("POST", "/api/v1/streams", { name: "headers" })).body as { id: string };
    const overlayToken = (await t.api("POST", `/api/v1/streams/${stream.id}/overlay-token`)).body.token as string;
    const documented = Object.entries(doc.paths)
      .filter(([, ops]) => Object.values(ops).some((op) => op.responses?.["200"]?.content?.["text/html"]))
      .map(([path]) => path.replace("{overlayToken}", overlayToken));
    expect(documented).toEqual(expect.arrayContaining(["/docs", `/overlay/chat/${overlayToken}`]));
    return ["/", ...documented].map((path) => ({ path, framed: path.startsWith("/overlay/") }));
  }

  it("every HTML answer has one strict CSP (no inline or eval'd script), nosniff, no referrer; only the overlay may be framed", async () => {
    for (const { path, framed } of await htmlPages()) {
      const res = await fetch(base() + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      const policy = csp(res.headers.get("content-security-policy"));
      expect(policy.get("default-src"), path).toEqual(["'none'"]);
      const scripts = policy.get("script-src")!;
      expect(scripts, path).not.toContain("'unsafe-inline'");
      expect(scripts, path).not.toContain("'unsafe-eval'");
      expect(scripts.every((s) => s === "'self'" || /^'sha256-[A-Za-z0-9+/]+=*'$/.test(s)), `${path}: ${scripts.join(" ")}`).toBe(true);
      expect(policy.get("object-src"), path).toEqual(["'none'"]);
      expect(policy.get("base-uri"), path).toEqual(["'none'"]);
      expect(policy.get("connect-src"), path).toEqual(["'self'"]);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(res.headers.get("cross-origin-opener-policy"), path).toBe("same-origin");
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
      if (framed) {
        // OBS browser sources, browser-based studios and the dashboard's preview embed the overlay.
        expect(policy.get("frame-ancestors"), path).toEqual(["*"]);
        expect(res.headers.get("x-frame-options"), path).toBeNull();
      } else {
        expect(policy.get("frame-ancestors"), path).toEqual(["'none'"]);
        expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      }
      // The dashboard and the docs have no inline script at all (the import map, a JSON map and no code, aside).
      const html = await res.text();
      if (!framed) expect(html.match(/<script(?![^>]*\bsrc=)(?![^>]*type="importmap")[^>]*>/g), path).toBeNull();
    }
    // JSON answers, refusals included, carry them too.
    const refused = await fetch(base() + "/api/v1/streams");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
    expect(csp(refused.headers.get("content-security-policy")).get("default-src")).toEqual(["'none'"]);
  });

  it("the dashboard, the overlay and the docs run in Chromium without one CSP violation", async () => {
    const violations: string[] = [];
    const page = await newPage();
    await page.exposeFunction("reportViolation", (v: string) => violations.push(v));
    // Every violation the page sees, whether or not the browser also logs it.
    await page.addInitScript('document.addEventListener("securitypolicyviolation", (e) => reportViolation(e.violatedDirective + " " + e.blockedURI + " (" + e.sourceFile + ":" + e.lineNumber + ")"))');
    await logIn(page, base() + "/", t.token);
    const stream = (await t.api("POST", "/api/v1/streams", { name: "csp" })).body as { id: string };
    const overlayToken = (await t.api("POST", `/api/v1/streams/${stream.id}/overlay-token`)).body.token as string;

    await page.goto(`${base()}/overlay/chat/${overlayToken}`);
    await page.locator("#chat").waitFor({ state: "attached" });
    // Its inline script and style ran, allowed by their hashes: the style made the page transparent.
    expect(await page.evaluate("getComputedStyle(document.body).backgroundColor")).toBe("rgba(0, 0, 0, 0)");
    expect(await page.evaluate('getComputedStyle(document.getElementById("chat")).position')).toBe("absolute");

    await page.goto(`${base()}/docs`);
    // Scalar rendered the document: its operations are listed.
    await page.getByText("Enable a destination", { exact: false }).first().waitFor({ timeout: 30_000 });
    // Its own injected styles applied (the docs' CSP lets styles, and only styles, be inline).
    expect(await page.locator("#app > *").count()).toBeGreaterThan(0);

    expect(violations).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    // The watch above does see violations: an injected inline script is refused and reported.
    await page.addScriptTag({ content: "window.injected = true" }).catch(() => undefined);
    await expect.poll(() => violations).toEqual([expect.stringMatching(/^script-src/)]);
    expect(await page.evaluate("window.injected === true")).toBe(false);
  });
});
