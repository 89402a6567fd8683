// Every platform Prism can stream to, one line each: adding a platform is its folder and one line here.
// registry.ts turns this list into the registry, in the order of the platforms' ids.
export { custom } from "./custom/index.js";
export { facebook } from "./facebook/index.js";
export { kick } from "./kick/index.js";
export { twitcasting } from "./twitcasting/index.js";
export { twitch } from "./twitch/index.js";
export { x } from "./x/index.js";
export { youtube } from "./youtube/index.js";
