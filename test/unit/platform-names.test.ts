import { describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { platforms } from "../../src/destinations/registry.js";
import type { PlatformAdapter } from "../../src/destinations/types.js";
import { filesUnder, mentions, namePatterns } from "../support/platform-names.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SOURCES = filesUnder(ROOT, "src");

/** "custom" (any RTMP server) is the registry's fallback and a plain word, so it is not checked. */
const checked = (Object.values(platforms) as PlatformAdapter[]).filter((p) => p.id !== "custom");
const ownFiles = (file: string, id: string) => file.startsWith(`src/destinations/${id}/`) || file === "src/destinations/platform-list.ts";

function mentionsOutsideFolders(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const p of checked) {
    const patterns = namePatterns(p.id, [p.displayName, p.name ?? p.displayName].flatMap((n) => n.split(/[^A-Za-z0-9]+/)).filter((w) => w.length > 1 && w !== "Media" && w !== "Studio"));
    for (const file of SOURCES.filter((f) => !ownFiles(f, p.id))) {
      const lines = mentions(ROOT, file, patterns);
      if (lines.length > 0) found.set(file, [...(found.get(file) ?? []), ...lines.map((l) => `${p.id}: ${l}`)]);
    }
  }
  return found;
}

describe("platform names stay in their folders", () => {
  const found = mentionsOutsideFolders();

  it("no platform is named outside src/destinations/<id>/ and the registry (code, strings, comments, the dashboard)", () => {
    expect([...found].flatMap(([, lines]) => lines)).toEqual([]);
  });

  it("the check finds a platform's name where it would be written", () => {
    const x = namePatterns("x", ["X"]);
    const hits = (text: string, patterns: RegExp[]) => patterns.some((p) => p.test(text));
    for (const text of ['platform === "x"', "destinations/x/chat.js", "dest.x", "new XChatRepo()", "xChats.start()", "X's webhook", "PRISM_X_CLIENT_ID"]) expect(hits(text, x), text).toBe(true);
    for (const text of ["X-Frame-Options", "const x = 1", "max(1, x)", "XMLHttpRequest", "0x1f"]) expect(hits(text, x), text).toBe(false);
    const long = namePatterns("twitch", ["Twitch"]);
    for (const text of ["twitchChat", "Twitch's limit", "PRISM_TWITCH_INGEST_URL", "rtmp://live.twitch.tv/app"]) expect(hits(text, long), text).toBe(true);
  });
});
