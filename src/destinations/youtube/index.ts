import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { youtubeAccounts } from "./account.js";
import { youtubeLimits } from "./limits.js";
import { youtubeConfig } from "./config.js";

/** YouTube Live by server URL + stream key from YouTube Studio (rtmp:// or rtmps://). */
export const youtube = {
  id: "youtube",
  displayName: "YouTube",
  mark: "YT",
  color: "#cc0000",
  limits: youtubeLimits,
  config: youtubeConfig,
  accounts: youtubeAccounts,
  checkIngest: (input) => checkRtmpIngest(input, "rtmp://a.rtmp.youtube.com/live2"),
} satisfies PlatformAdapter;
