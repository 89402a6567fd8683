import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { facebookAccounts } from "./account.js";
import { facebookLimits } from "./limits.js";
import { facebookConfig } from "./config.js";

const EXAMPLE = "rtmps://live-api-s.facebook.com:443/rtmp";

/**
 * Facebook Live on a Page: with a linked account Prism creates the live video and takes its RTMPS
 * URL; typed in, it must be the rtmps:// server from Live Producer (Facebook refuses plain RTMP).
 */
export const facebook = {
  id: "facebook",
  displayName: "Facebook",
  mark: "FB",
  color: "#1877f2",
  limits: facebookLimits,
  config: facebookConfig,
  accounts: facebookAccounts,
  checkIngest: (input) => {
    const checked = checkRtmpIngest(input, EXAMPLE);
    if (checked.ok && !checked.url.startsWith("rtmps://")) return { ok: false, message: `Facebook takes live video over RTMPS only: use the rtmps:// server Live Producer shows, e.g. ${EXAMPLE}` };
    return checked;
  },
} satisfies PlatformAdapter;
