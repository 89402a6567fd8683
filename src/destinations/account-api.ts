/** A linked account's view of the platform: requests go out signed with a fresh access token. */
export interface AccountApi {
  account: { id: string; platformUserId: string; displayName: string };
  /**
   * `fetch` with the account's access token (Authorization: Bearer, or `scheme`), refreshed first
   * when it is about to expire and once more when the platform answers 401. Throws
   * AccountNeedsReconnect when the platform refuses to refresh it.
   */
  fetch(url: string, init?: RequestInit & { scheme?: string }): Promise<Response>;
  /** Small non-secret platform objects kept with the account (e.g. a reusable live stream id). */
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
