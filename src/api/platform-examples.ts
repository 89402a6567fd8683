import { platforms } from "../destinations/registry.js";
import type { PlatformAdapter } from "../destinations/types.js";

/** Every platform, in the registry's order. */
export const allPlatforms: readonly PlatformAdapter[] = Object.values(platforms);

/** Platforms whose accounts can be linked (they declare `accounts` and the settings those need). */
export const linkablePlatforms = allPlatforms.filter((p) => p.accounts && p.config);
export const linkablePlatformIds = linkablePlatforms.map((p) => p.id) as [string, ...string[]];

export const platformName = (p: PlatformAdapter) => p.name ?? p.displayName;

/**
 * The platform the OpenAPI document's examples use: the first linkable one of the registry, so the
 * examples name a real platform without any code outside its folder naming it.
 */
export const examplePlatform: PlatformAdapter = linkablePlatforms[0]!;
/** A second one, for examples about several platforms. */
export const otherExamplePlatform: PlatformAdapter = linkablePlatforms[1] ?? examplePlatform;
