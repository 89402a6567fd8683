import type { AccountSettings, PlatformSettings } from "../config.js";
import type { Registry } from "prom-client";
import type { Logger } from "../log.js";
import type { ChatSupport } from "./chat-types.js";

/**
 * What a platform adapter adds when its accounts can be linked with OAuth: the OAuth dialect it
 * speaks, and what a linked account can do. The OAuth layer (src/oauth/) runs the flows and keeps the
 * tokens; the platform code only ever sees an `AccountApi` that signs its requests.
 */
export interface AccountSupport {
  oauth: OAuthProfile;
  /** Builds the platform's client for linked accounts, from Prism's settings for it. */
  create(deps: LinkedPlatformDeps): LinkedPlatform;
}

export interface OAuthProfile {
  /** Paths on the platform's sign-in and token hosts (PlatformSettings.authUrl / tokenUrl). */
  authorizePath: string;
  tokenPath: string;
  /** undefined: the platform offers no token revocation; unlinking only forgets the tokens. */
  revokePath?: string;
  /** Which token the revocation endpoint is given (Google revokes the whole grant with either). */
  revokeToken?: "access_token" | "refresh_token";
  scopes: readonly string[];
  /** Scopes asked for only when Prism's settings turn a feature on (X's Enterprise chat). */
  extraScopes?: (accounts: AccountSettings) => readonly string[];
  /** PKCE with S256: sent whenever the platform supports it (X requires it). */
  pkce: boolean;
  /** How the client authenticates at the token endpoint: form fields, or HTTP Basic. */
  clientAuth: "body" | "header";
  /** Extra authorize parameters, e.g. Google's access_type=offline to get a refresh token. */
  authorizeParams?: Readonly<Record<string, string>>;
}

export interface LinkedPlatformDeps {
  /** This platform's client and base URLs. */
  settings: PlatformSettings;
  /** Every account setting (Twitch's ingest server, YouTube's privacy and poll interval, …). */
  accounts: AccountSettings;
  log: Logger;
}

/** Who a token belongs to. */
export interface AccountIdentity {
  platformUserId: string;
  displayName: string;
}

/** Units of a platform's daily API quota spent today by one account, against the app's daily limit. */
export interface PlatformUsage {
  quotaUnitsToday: number;
  quotaDailyLimit: number;
  /** When the day's count starts again (ISO 8601): midnight Pacific for YouTube. */
  quotaResetsAt: string;
}

/** A linked account's view of the platform: requests go out signed with a fresh access token. */
export interface AccountApi {
  account: { id: string; platformUserId: string; displayName: string };
  /**
   * `fetch` with the account's access token (Authorization: Bearer, or `scheme`), refreshed first
   * when it is about to expire and once more when the platform answers 401. Throws
   * AccountNeedsReconnect when the platform refuses to refresh it.
   */
  fetch(url: string, init?: RequestInit & { scheme?: string }): Promise<Response>;
  /**
   * The account's current access token, for calls `fetch` cannot make (YouTube's gRPC chat stream);
   * `refresh`: the platform refused the last one, mint a new one. Absent where no token is kept.
   */
  accessToken?(refresh?: boolean): Promise<string>;
  /** Small non-secret platform objects kept with the account (e.g. a reusable YouTube liveStream id). */
  data(): Record<string, unknown>;
  saveData(data: Record<string, unknown>): void;
}

/** The stream a destination belongs to, as platforms that take a title need it. */
export interface StreamInfo {
  streamId: string;
  destinationId: string;
  title: string;
  description: string | null;
}

export interface LinkedPlatform {
  /** Who the freshly issued token belongs to (called while linking). */
  identify(api: AccountApi): Promise<AccountIdentity>;
  /**
   * Where a destination of this account pushes, asked before every connection attempt.
   * Absent: the destination keeps the URL and key the streamer typed in (X).
   */
  ingest?(api: AccountApi, stream: StreamInfo): Promise<{ url: string; streamKey: string }>;
  /** The stream ended: wrap up what `ingest` opened (YouTube completes its broadcast). */
  ended?(api: AccountApi, stream: StreamInfo): Promise<void>;
  /** Reading and writing the stream's live chat (chat-types.ts); absent: the platform's chat is not read. */
  chat?: ChatSupport;
  /** What the account spent of the platform's daily API allowance (YouTube's quota), for health. */
  usage?(accountId: string): PlatformUsage;
  /** Registers the platform's own metrics (YouTube's quota spent today) on the service's registry. */
  instrument?(registry: Registry): void;
  /** Stops background work (shutdown). */
  close?(): void;
}

/**
 * The platform said something Prism cannot fix by retrying (a missing scope, RTMP disabled): the
 * destination fails with this message until the streamer acts.
 */
export class PlatformRefused extends Error {
  override readonly name = "PlatformRefused";
}

/** The platform could not be reached or had a hiccup (5xx, timeout): worth retrying. */
export class PlatformUnavailable extends Error {
  override readonly name = "PlatformUnavailable";
}
