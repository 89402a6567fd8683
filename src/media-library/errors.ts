/** An upload or playback Prism refuses, with the HTTP status and a message a person can act on. */
export class MediaError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 411 | 413 | 415 | 422 | 429,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
