// The ingest's state, first thing on a stream's page: what destinations get, in its own colour, and what happens next.
// The words and the countdown come from the API (health.ingestStatus, src/core/ingest-status.ts), refreshed every second.
import { html } from "./api.js";

/** The short label of each ingest state (the publisher on air reads "live"). */
const LABEL = { publisher: "live", backup: "backup", slate: "slate", stalled: "stalled", resuming: "resuming", offline: "offline" };

export function IngestBanner({ health }) {
  if (!health) return html`<section class="ingest-banner off" aria-label="Ingest state"><strong class="ingest-label" data-testid="stream-state">…</strong></section>`;
  const { tone, headline, next, endsInSec } = health.ingestStatus;
  return html`<section class=${`ingest-banner ${tone}`} aria-label="Ingest state" role="status" data-state=${health.ingestState}>
    <strong class="ingest-label" data-testid="stream-state">${LABEL[health.ingestState] ?? health.ingestState}</strong>
    <span class="ingest-words">
      <span class="ingest-headline" data-testid="ingest-headline">${headline}</span>
      <span class="ingest-next" data-testid="ingest-next">${next.charAt(0).toUpperCase() + next.slice(1)}.</span>
    </span>
    ${endsInSec !== null && html`<span class="ingest-countdown" data-testid="ingest-countdown" aria-label="Time until the stream ends">${countdown(endsInSec)}</span>`}
  </section>`;
}

const countdown = (sec) => `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}`;
