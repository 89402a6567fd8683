/**
 * How a platform call fails, as every layer understands it: platform code throws these, the OAuth
 * layer throws them for accounts, and the relay turns them into an output's health (refused: the
 * destination fails until the streamer acts; unavailable: retried with backoff).
 */

/**
 * The platform said something Prism cannot fix by retrying (a missing scope, RTMP disabled, an
 * account to link again): the destination fails with this message until the streamer acts.
 */
export class PlatformRefused extends Error {
  override readonly name: string = "PlatformRefused";
}

/** The platform could not be reached or had a hiccup (5xx, timeout): worth retrying. */
export class PlatformUnavailable extends Error {
  override readonly name: string = "PlatformUnavailable";
}
