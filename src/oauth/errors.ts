import { PlatformRefused } from "../core/platform-errors.js";

/**
 * The linked account cannot be used until the streamer connects it again (its refresh token was
 * revoked or expired, or the platform issues none). `message` says so in words for the streamer.
 */
export class AccountNeedsReconnect extends PlatformRefused {
  override readonly name = "AccountNeedsReconnect";
}

/** A step of linking an account failed; rendered by the API as `{ error: { code, message } }`. */
export class LinkError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 502,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "LinkError";
  }
}

/** The token endpoint answered with an error (a refusal), or could not be reached (no `status`). */
export class TokenEndpointError extends Error {
  constructor(
    message: string,
    /** HTTP status; undefined when the platform was not reached. */
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "TokenEndpointError";
  }

  /** The platform said no (invalid_grant, revoked…): retrying with the same token cannot help. */
  get refused(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}
