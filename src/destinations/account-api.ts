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
   * The account's current access token, for calls `fetch` cannot make (a gRPC stream);
   * `refresh`: the platform refused the last one, mint a new one. Absent where no token is kept.
   */
  accessToken?(refresh?: boolean): Promise<string>;
  /**
   * The platform said in its own words (not with a 401) that the account's token is dead: marks
   * the account as needing to be connected again (announced once) and gives the error to throw.
   * Absent where no account is kept.
   */
  tokenRefused?(reason: string): Error;
  /** Small non-secret platform objects kept with the account (e.g. a reusable live stream id). */
  /** A promise where they come from the store; stand-ins (tests, benchmarks) may answer at once. */
  data(): Record<string, unknown> | Promise<Record<string, unknown>>;
  saveData(data: Record<string, unknown>): void | Promise<void>;
}

/** The stream a destination belongs to, as platforms that take a title need it. */
export interface StreamInfo {
  streamId: string;
  destinationId: string;
  title: string;
  description: string | null;
  /**
   * The scheduled event whose window this go-live falls in, and what the account's platform made of
   * its announcement (`externalId`, e.g. an upcoming broadcast to go live in instead of a new one).
   */
  scheduled?: { eventId: string; externalId: string };
  /** The destination during this go-live, for chat readers (absent outside a linked destination's chat). */
  live?: DestinationLive;
}

/**
 * A destination during one go-live, whatever its platform: its own settings (its adapter's
 * `destinationSettings`, read again at every call so a change made while live is followed), and
 * whether the platform's once-per-go-live step (e.g. posting an announcement) already ran.
 */
export interface DestinationLive {
  settings(): Promise<unknown>;
  updateSettings(patch: unknown): Promise<void>;
  /** True outside a go-live Prism saw start: nothing is done once-per-go-live for a stream that did not start. */
  doneThisGoLive(): boolean;
  markDoneThisGoLive(): void;
}
