import type { PlatformAdapter } from "../types.js";
import { checkRtmpIngest } from "../rtmp-ingest-check.js";
import { xAccounts } from "./account.js";
import { xLimits } from "./limits.js";
import { xConfig } from "./config.js";
import { xRoutes } from "./routes.js";
import { xDestinationSettings } from "./settings.js";

/** X (formerly Twitter) by the source URL + stream key that Media Studio / Live Studio shows. */
export const x = {
  id: "x",
  displayName: "X (Media Studio)",
  name: "X",
  color: "#000000",
  limits: xLimits,
  accounts: xAccounts,
  checkIngest: (input) => checkRtmpIngest(input, "rtmps://va.pscp.tv:443/x"),
  config: xConfig,
  typedIngest: "X offers no API that hands out Media Studio stream keys; copy the RTMP(S) URL and key from Media Studio.",
  destinationSettings: xDestinationSettings,
  dashboardPanel: true,
  routes: xRoutes,
} satisfies PlatformAdapter;
