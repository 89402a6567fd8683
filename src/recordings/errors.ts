/** A request the recordings service refuses, in words a person can act on; the API maps `kind` to a status. */
export class RecordingsError extends Error {
  constructor(
    readonly kind: "not_found" | "conflict" | "invalid" | "busy",
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The first line of what ffmpeg (or anything else) said: enough for a note, without its whole stderr. */
export const firstLine = (text: string) => text.split("\n").find((l) => l.trim())?.trim() ?? text;
