import type { AccountApi, StreamInfo } from "../destinations/account-api.js";
import type { ViewerCountSupport } from "../destinations/viewer-types.js";

/** One enabled destination of a live stream, as the viewer poller sees it: what reads its count, or why nothing can. */
export interface ViewerSource {
  destinationId: string;
  platform: string;
  reader: { viewers: ViewerCountSupport; api: AccountApi; stream: StreamInfo } | { unavailable: string };
}

/** Where the poller finds a stream's destinations (the OAuth layer builds the AccountApis). */
export interface ViewerSources {
  forStream(streamId: string): ViewerSource[] | Promise<ViewerSource[]>;
}

/** A destination's viewers as health shows them: the last count and when it was read, or why there is none. */
export type DestinationViewers = { count: number; at: string; totalViews?: number } | { unavailable: string };
