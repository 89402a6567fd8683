import type { PlatformSettings } from "./platform-config.js";
import type { Registry } from "prom-client";
import type { Logger } from "pino";
import type { ChatSupport } from "./chat-types.js";
import type { ViewerCountSupport } from "./viewer-types.js";

/**
 * What a platform adapter adds when its accounts can be linked with OAuth: the OAuth dialect it
 * speaks, and what a linked account can do. The OAuth layer (src/oauth/) runs the flows and keeps the
 * tokens; the platform code only ever sees an `AccountApi` that signs its requests.
 */
export interface AccountSupport<Options = unknown> {
  oauth: OAuthProfile<Options>;
  /** Builds the platform's client for linked accounts, from Prism's settings for it (its folder's config.ts). */
  create(deps: LinkedPlatformDeps<Options>): LinkedPlatform;
}

export interface OAuthProfile<Options = unknown> {
  /** Paths on the platform's sign-in and token hosts (PlatformSettings.authUrl / tokenUrl). */
  authorizePath: string;
  tokenPath: string;
  /** undefined: the platform offers no token revocation; unlinking only forgets the tokens. */
  revokePath?: string;
  /** Which token the revocation endpoint is given (Google revokes the whole grant with either). */
  revokeToken?: "access_token" | "refresh_token";
  scopes: readonly string[];
  /** Scopes asked for only when Prism's settings turn a feature on (e.g. an Enterprise-only chat). */
  extraScopes?(options: Options): readonly string[];
  /** PKCE with S256: sent whenever the platform supports it (some require it). */
  pkce: boolean;
  /** How the client authenticates at the token endpoint: form fields, or HTTP Basic. */
  clientAuth: "body" | "header";
  /** Extra authorize parameters, e.g. Google's access_type=offline to get a refresh token. */
  authorizeParams?: Readonly<Record<string, string>>;
  /**
   * For platforms whose code exchange hands out a short-lived token and no refresh token, but
   * swap it for a longer-lived one: the token from the code is sent at once to the token endpoint
   * again with this grant_type, in the form field `tokenField` (client authenticated as for the
   * code), and the longer-lived token is the one Prism keeps.
   */
  exchangeGrant?: { grantType: string; tokenField: string };
}

export interface LinkedPlatformDeps<Options = unknown> {
  /** This platform's client, base URLs and own options (an ingest server, a broadcast privacy, …). */
  settings: PlatformSettings<Options>;
  log: Logger;
}

/** Who a token belongs to. */
export interface AccountIdentity {
  platformUserId: string;
  displayName: string;
}

// In a file of their own so chat-types.ts can use them without importing this one back.
import type { AccountApi, StreamInfo } from "./account-api.js";

/** Units of a platform's daily API quota spent today by one account, against the app's daily limit. */
export interface PlatformUsage {
  quotaUnitsToday: number;
  quotaDailyLimit: number;
  /** When the day's count starts again (ISO 8601): midnight Pacific for one platform's quota. */
  quotaResetsAt: string;
}

export type { AccountApi, StreamInfo };

export interface LinkedPlatform {
  /** Who the freshly issued token belongs to (called while linking). */
  identify(api: AccountApi): Promise<AccountIdentity>;
  /**
   * Where a destination of this account pushes, asked before every connection attempt.
   * Absent: the destination keeps the URL and key the streamer typed in (its adapter's typedIngest).
   */
  ingest?(api: AccountApi, stream: StreamInfo): Promise<{ url: string; streamKey: string }>;
  /** The stream ended: wrap up what `ingest` opened (e.g. completes the broadcast it created). */
  ended?(api: AccountApi, stream: StreamInfo): Promise<void>;
  /** Reading and writing the stream's live chat (chat-types.ts); absent: the platform's chat is not read. */
  chat?: ChatSupport;
  /**
   * Announcing broadcasts planned ahead (issue #18) on the platform, or why it cannot, said plainly.
   * Absent: Prism says the platform offers no way to announce one.
   */
  schedule?: ScheduleSupport;
  /** The live viewer count of a destination of this account (viewer-types.ts); absent: the platform exposes none. */
  viewers?: ViewerCountSupport;
  /** What the account spent of the platform's daily API allowance (a quota), for health. */
  usage?(accountId: string): PlatformUsage;
  /** Registers the platform's own metrics (e.g. the quota spent today) on the service's registry. */
  instrument?(registry: Registry): void;
  /** Stops background work (shutdown). */
  close?(): void;
}

/** A broadcast planned ahead, as a platform is told about it. */
export interface PlannedBroadcast {
  eventId: string;
  title: string;
  description: string | null;
  startsAt: Date;
  /** null: open-ended (platforms that need a length get their own default). */
  endsAt: Date | null;
}

/** What a platform kept of an announcement: its own object's id, and a page viewers can open. */
export interface PlatformAnnouncement {
  externalId: string;
  url?: string;
}

/**
 * A platform that can announce a planned broadcast: creates it (or updates the one it made before,
 * `existing`), and withdraws it when the event is cancelled. Refusals are PlatformRefused (the
 * streamer must act: a scope, a quota) or PlatformUnavailable; Prism records them per platform and
 * tries again at the event's next change.
 */
export interface ScheduleAnnouncer {
  /** Why this Prism cannot announce on the platform (a setting it lacks), in words; null when it can. */
  unavailable?(): string | null;
  announce(api: AccountApi, event: PlannedBroadcast, existing: string | null): Promise<PlatformAnnouncement>;
  withdraw(api: AccountApi, event: PlannedBroadcast, externalId: string): Promise<void>;
}

/** `unsupported`: the platform's API has no way to do it, and why (shown as the platform's answer). */
export type ScheduleSupport = ScheduleAnnouncer | { unsupported: string };

// Platform code imports its error types from here, next to the rest of its vocabulary.
export { PlatformRefused, PlatformUnavailable } from "../core/platform-errors.js";
