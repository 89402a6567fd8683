import type { AccountSupport } from "./account-types.js";
import type { IngestLimits } from "../core/ingest-limits.js";

export type { IngestLimits };


export type IngestCheck = { ok: true; url: string; streamKey: string } | { ok: false; message: string };

/**
 * One streaming platform. Each lives in its own folder and is listed once in registry.ts; the
 * relay and the API only ever talk to this interface.
 */
export interface PlatformAdapter {
  id: string;
  displayName: string;
  /** Validates and normalises an ingest URL and stream key typed in by the streamer. */
  checkIngest(input: { url: string; streamKey: string }): IngestCheck;
  limits: IngestLimits | null;
  /** Linking an account with OAuth, and what a linked account does (account-types.ts); absent: URL + key only. */
  accounts?: AccountSupport;
}
