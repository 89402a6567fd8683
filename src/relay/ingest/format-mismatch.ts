import type { InputMeter } from "./input-meter.js";

/** A warning when both encoders publish and their formats differ; null when they match or one is unknown. */
export function formatMismatch(meters: { primary: InputMeter; backup: InputMeter }): string | null {
  if (!meters.primary.connected || !meters.backup.connected) return null;
  const primary = meters.primary.describe();
  const backup = meters.backup.describe();
  if (primary === null || backup === null || primary === backup) return null;
  const cannotStandIn = meters.primary.hasVideo && meters.backup.hasVideo !== true ? " It sends no pictures, so it cannot stand in for the primary: the slate covers a primary loss instead." : "";
  return `The backup encoder's format (${backup}) differs from the primary's (${primary}): destinations see the change at every switch and some platforms refuse it; give both encoders the same output settings.${cannotStandIn}`;
}
