import type { z } from "@hono/zod-openapi";
import type { DestinationSettingsSupport, PlatformAdapter } from "../destinations/types.js";
import { allPlatforms, linkablePlatforms, platformName } from "./platform-examples.js";

/** Platforms whose destinations keep settings of their own (their adapter's destinationSettings). */
export const platformsWithSettings = allPlatforms.filter((p): p is PlatformAdapter & { destinationSettings: DestinationSettingsSupport } => p.destinationSettings !== undefined);

/**
 * The destinations API's fields for platforms' own settings: one optional field per such platform,
 * named after its id , as create accepts it, update accepts it, or
 * answers show it.
 */
export function destinationSettingsFields(kind: "input" | "update" | "view"): Record<string, z.ZodOptional<z.ZodType>> {
  return Object.fromEntries(
    platformsWithSettings.map(({ id, destinationSettings: s }) => {
      const field = (kind === "view" ? s.view : s.input).optional();
      return [id, kind === "update" ? field : field.openapi({ description: kind === "view" ? s.describe.view : s.describe.input })];
    }),
  );
}

const inWords = (names: string[]) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

/** Platform names for the API's descriptions, from the registry. */
export const platformNames = {
  /** Linkable platforms that hand out the ingest of a linked account. */
  accountIngest: inWords(linkablePlatforms.filter((p) => p.typedIngest === undefined).map(platformName)),
  /** Linkable platforms whose destinations still take a typed-in URL and key. */
  typedIngest: inWords(linkablePlatforms.filter((p) => p.typedIngest !== undefined).map(platformName)),
};
