/**
 * What the ingest is doing, in words a streamer reads at a glance, and what happens next. Defined
 * once here: the API health (and its SSE feed) answers it, the dashboard and `prism status` show it.
 */
export type IngestStateName = "publisher" | "backup" | "slate" | "stalled" | "resuming" | "offline";

/** ok: on air as planned; warn: on air, but not as planned; alert: the publisher is lost; off: not live. */
export type IngestTone = "ok" | "warn" | "alert" | "off";

export interface IngestStatus {
  tone: IngestTone;
  /** What is happening, e.g. "OBS is gone — showing the slate". */
  headline: string;
  /** What happens next, e.g. "the stream ends in 4:12 unless it comes back". */
  next: string;
  /** Whole seconds until the stream ends on its own (the slate's deadline); null when it will not. */
  endsInSec: number | null;
}

/** 4:12, or 1:02:03 past an hour. */
export function formatCountdown(totalSec: number): string {
  const s = Math.max(0, Math.ceil(totalSec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function describeIngest(state: IngestStateName, slateUntil: string | null, now = Date.now()): IngestStatus {
  const endsInSec = slateUntil ? Math.max(0, Math.ceil((Date.parse(slateUntil) - now) / 1000)) : null;
  const endsIn = (unless: string) => (endsInSec === null ? null : `the stream ends in ${formatCountdown(endsInSec)} unless ${unless}`);
  switch (state) {
    case "publisher":
      return { tone: "ok", headline: "Live from OBS", next: "every enabled destination gets OBS's stream", endsInSec: null };
    case "backup":
      return {
        tone: "warn",
        headline: "OBS is gone or silent — destinations get the backup encoder",
        next: "Prism switches back to OBS once it has sent steadily again",
        endsInSec: null,
      };
    case "slate":
      return { tone: "alert", headline: "OBS is gone — showing the slate", next: endsIn("it comes back") ?? "destinations get the slate until it comes back", endsInSec };
    case "stalled":
      return endsInSec === null
        ? { tone: "alert", headline: "OBS is connected but sends nothing", next: "destinations get nothing until it sends again", endsInSec }
        : { tone: "alert", headline: "OBS is connected but sends nothing — showing the slate", next: endsIn("it sends again")!, endsInSec };
    case "resuming":
      return { tone: "warn", headline: "OBS is back — leaving the slate", next: "destinations get OBS again from its next keyframe", endsInSec };
    case "offline":
      return { tone: "off", headline: "Offline", next: "start streaming in OBS to go live on every enabled destination", endsInSec: null };
  }
}
