import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { xAccounts } from "./account.js";
import { xLimits } from "./limits.js";

/** X (formerly Twitter) by the source URL + stream key that Media Studio / Live Studio shows. */
export const x = {
  id: "x",
  displayName: "X (Media Studio)",
  limits: xLimits,
  accounts: xAccounts,
  checkIngest: (input) => checkRtmpIngest(input, "rtmps://va.pscp.tv:443/x"),
} satisfies PlatformAdapter;
