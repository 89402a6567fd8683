import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/**
 * Where a platform's name shows in source text: its id as written in code and paths ("twitch",
 * twitchChat, PRISM_TWITCH_…, destinations/twitch/), and its names as prose writes them ("Twitch").
 * A one-letter id (X) is matched only where it can only be the platform: a quoted "x", a path
 * segment x/, a property .x, identifiers xChat / XChatRepo, and X standing alone as a word.
 */
export function namePatterns(id: string, names: string[]): RegExp[] {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const upper = id.toUpperCase();
  const patterns = [new RegExp(`PRISM_${esc(upper)}_`)];
  if (id.length === 1) {
    const lower = esc(id);
    const cap = esc(upper);
    patterns.push(
      new RegExp(`["'\`]${lower}["'\`]`),
      new RegExp(`(?<![\\w.-])${lower}/`),
      new RegExp(`\\.${lower}(?![\\w-])`),
      new RegExp(`(?<![A-Za-z0-9_])[${lower}${cap}](?=[A-Z][a-z])`),
      new RegExp(`(?<![\\w-])${cap}(?![\\w-])`),
    );
  } else {
    const forms = new Set([id, id[0]!.toUpperCase() + id.slice(1), upper, ...names]);
    for (const form of forms) patterns.push(new RegExp(`(?<![A-Za-z0-9])${esc(form)}(?![a-z0-9])`));
  }
  return patterns;
}

/** Every file under `dir`, as paths relative to `root` with forward slashes. */
export function filesUnder(root: string, dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(root, dir, name);
    const rel = relative(root, path).split(sep).join("/");
    return statSync(path).isDirectory() ? filesUnder(root, rel) : [rel];
  });
}

/** The lines of `file` that name the platform, as "path:line: text". */
export function mentions(root: string, file: string, patterns: RegExp[]): string[] {
  return readFileSync(join(root, file), "utf8")
    .split("\n")
    .flatMap((line, i) => (patterns.some((p) => p.test(withoutForeignNames(line))) ? [`${file}:${i + 1}: ${line.trim().slice(0, 160)}`] : []));
}

/**
 * Names other libraries chose that merely start with a platform's letter: the X-… HTTP headers as
 * hono's secureHeaders spells its options. Taken out before matching, so only Prism's own words count.
 */
const FOREIGN_NAMES = /\bx(?:FrameOptions|ContentTypeOptions|XssProtection|DnsPrefetchControl|DownloadOptions|PermittedCrossDomainPolicies)\b/g;
/** uPlot (the Sessions page's charts) names its horizontal scale "x": u.scales.x, valToPos(v, "x"), scales: { x: … }. */
const UPLOT_SCALE = /\bu\.scales\.x\b|\bvalToPos\([^)]*"x"|\bscales: \{ x:/g;

function withoutForeignNames(line: string): string {
  return line.replace(FOREIGN_NAMES, "").replace(UPLOT_SCALE, "");
}
