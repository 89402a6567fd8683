// How each platform is marked next to a message: a letter badge in its colour, its name for screen readers.
// The list comes from Prism's platform registry (the generated platform-list.js, as GET /api/v1/platforms).
import { html } from "./api.js";
import { PLATFORMS as LIST } from "./platform-list.js";

const PLATFORMS = Object.fromEntries(LIST.map((p) => [p.id, p]));
export const platformName = (p) => PLATFORMS[p]?.name ?? p;
/** The label lists and menus show. */
export const platformLabel = (p) => PLATFORMS[p]?.displayName ?? p;
/** Every platform, in the registry's order. */
export const platformList = LIST;

export function PlatformMark({ platform }) {
  const known = PLATFORMS[platform];
  return html`<span class=${`pf ${known?.color ? "" : "pf-other"}`} style=${known?.color ? `background: ${known.color}` : undefined} title=${platformName(platform)}>
    <span aria-hidden="true">${known?.mark ?? platform.slice(0, 2).toUpperCase()}</span><span class="sr-only">${platformName(platform)}</span>
  </span>`;
}
