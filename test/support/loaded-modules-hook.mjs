// The load hook of loaded-modules.mjs (runs on node's loader thread): one line per module URL loaded.
import { appendFileSync } from "node:fs";

let file = "";

export function initialize(data) {
  file = data;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
