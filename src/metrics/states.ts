import type { OutputState } from "../relay/output.js";

// A record rather than an array so the compiler complains here when the relay gains a state.
const ALL: Record<OutputState, true> = { idle: true, connecting: true, live: true, reconnecting: true, failed: true, stopped: true };

export const OUTPUT_STATES = Object.keys(ALL) as OutputState[];
