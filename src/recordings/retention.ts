import type { RecordingRow } from "../db/schema/index.js";
import type { RecordingSettings } from "../db/recordings-repo.js";

export interface RetentionLimits {
  days: number | null;
  maxBytes: number | null;
}

const DAY_MS = 86_400_000;

/**
 * Which finished recordings to delete so that what is kept stays within `limits`: older than the
 * day limit, then the oldest until the rest fit the size limit. `rows` oldest first; recordings
 * still being made are never chosen, though they count towards the size.
 */
export function overLimits(rows: RecordingRow[], limits: RetentionLimits, footprint: (row: RecordingRow) => number, now = Date.now()): RecordingRow[] {
  const finished = (r: RecordingRow) => r.state === "ready" || r.state === "failed";
  const doomed = new Set<RecordingRow>();
  if (limits.days !== null) for (const r of rows) if (finished(r) && r.startedAt < now - limits.days * DAY_MS) doomed.add(r);
  if (limits.maxBytes !== null) {
    let total = rows.filter((r) => !doomed.has(r)).reduce((sum, r) => sum + footprint(r), 0);
    for (const r of rows) {
      if (total <= limits.maxBytes) break;
      if (doomed.has(r) || !finished(r)) continue;
      doomed.add(r);
      total -= footprint(r);
    }
  }
  return rows.filter((r) => doomed.has(r));
}

export function streamLimits(settings: RecordingSettings): RetentionLimits {
  const { days, maxGb } = settings.retention;
  return { days, maxBytes: maxGb === null ? null : Math.round(maxGb * 1024 ** 3) };
}
