// The one place that reaches into node-media-server's modules. Prism uses its RTMP protocol engine
// (handshake, chunk parser, AMF) but owns sockets, auth and fan-out itself: NMS's own session and
// broadcast layers keep global state, hold a publish slot for 30 s after a disconnect and log to
// the console, none of which a relay with per-destination health can live with.
import Rtmp from "node-media-server/src/protocol/rtmp.js";
import * as amf from "node-media-server/src/protocol/amf.js";
import { parseH264Sps, parseH265Sps } from "node-media-server/src/protocol/sps_info.js";
import nmsLogger from "node-media-server/src/core/logger.js";
import type { Logger } from "pino";

export { Rtmp, amf, parseH264Sps, parseH265Sps };

/**
 * NMS writes its own lines to the console. Send them through pino instead, at debug: the parts Prism
 * uses only log protocol trivia (e.g. "Unknown command" for a server's onBWDone), which Prism's own
 * lines already cover in words that matter.
 */
export function routeNmsLogging(log: Logger): void {
  nmsLogger.level = "trace";
  nmsLogger.log = (message: string, level = "info") => {
    log.debug({ component: "node-media-server", nmsLevel: level }, String(message));
  };
}
