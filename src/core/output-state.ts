/** Where a destination's output is: the relay sets it, events, metrics and the API report it. */
export type OutputState = "idle" | "connecting" | "live" | "reconnecting" | "failed" | "stopped";
