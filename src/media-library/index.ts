import type { Logger } from "pino";
import type { EventBus } from "../bus.js";
import type { MediaStore } from "../db/store.js";
import { MediaLibrary } from "./library.js";
import { MediaPlayer, type MediaIngest } from "./player.js";

export { MediaError } from "./errors.js";
export { MediaLibrary } from "./library.js";
export { MediaPlayer, type PlaybackEnd, type PlaybackRequest, type PlaybackStart } from "./player.js";
export { receiveUpload } from "./upload.js";

/** What the API needs: the files, and which event plays one now. */
export interface MediaApi {
  library: MediaLibrary;
  player: Pick<MediaPlayer, "playingMedia">;
}

/** Uploaded videos (issue #18): the library on disk and the player that streams them as live. */
export function createMedia(deps: {
  store: { media: MediaStore };
  bus: EventBus;
  ingest: MediaIngest;
  streamKeyOf(streamId: string): Promise<string | undefined>;
  settings: { dir: string; maxBytes: number };
  log: Logger;
}) {
  const library = new MediaLibrary(deps.store.media, { ...deps.settings, maxConcurrentUploads: 4 }, deps.log);
  const player = new MediaPlayer({ library, ingest: deps.ingest, streamKeyOf: deps.streamKeyOf, bus: deps.bus, log: deps.log });
  return {
    library,
    /** The internal entry point: play(request) / stop(eventId, reason), for the scheduler. */
    player,
    api: { library, player } satisfies MediaApi,
    start: () => player.start(),
    stop: () => player.stopAll(),
  };
}
