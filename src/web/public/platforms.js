// How each platform is marked next to a message: a letter badge in its colour, its name for screen readers.
import { html } from "./api.js";

const PLATFORMS = {
  twitch: { name: "Twitch", mark: "T" },
  youtube: { name: "YouTube", mark: "YT" },
  x: { name: "X", mark: "X" },
  twitcasting: { name: "TwitCasting", mark: "TC" },
};
export const platformName = (p) => PLATFORMS[p]?.name ?? p;

export function PlatformMark({ platform }) {
  const known = PLATFORMS[platform];
  return html`<span class=${`pf pf-${known ? platform : "other"}`} title=${platformName(platform)}>
    <span aria-hidden="true">${known?.mark ?? platform.slice(0, 2).toUpperCase()}</span><span class="sr-only">${platformName(platform)}</span>
  </span>`;
}
