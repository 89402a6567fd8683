import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { grpcStatus } from "../../src/destinations/youtube/stream-list.js";
import { xWeightedLength } from "../../src/destinations/x/limits.js";
import { spawnTracked } from "../support/children.js";
import { freePort, waitForListening } from "../support/ports.js";
import { makeTempDir, removeTempDir } from "../support/tmp.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("packages loaded on first use", () => {
  it("tells gRPC statuses apart by grpc-js's own codes", () => {
    for (const [name, code] of Object.entries(grpcStatus)) expect(status[name as keyof typeof status]).toBe(code);
  });

  it("counts an X post with twitter-text once asked", () => {
    expect(xWeightedLength("hello")).toBe(5);
    expect(xWeightedLength("日本")).toBe(4);
    expect(xWeightedLength("see https://example.com/a/very/long/path/indeed")).toBe(4 + 23);
  });
});

/**
 * Packages that a relay which links no account, drives no ffmpeg, takes no upload, serves no chat feed over
 * WebSocket, runs alone (no cluster), logs JSON and keeps its data in SQLite never needs: each is loaded on first use (src/core/lazy-module.ts or a dynamic import). One of them
 * imported at the top of a module on the start path again costs its MiB of RSS on every Prism.
 */
const NOT_AT_START = [
  "@grpc/grpc-js",
  "@grpc/proto-loader",
  "protobufjs",
  "simple-oauth2",
  "twitter-text",
  "pino-pretty",
  "fluent-ffmpeg",
  "@fastify/busboy",
  "image-size",
  "@scalar/api-reference",
  "ws",
  // The cluster's NATS clients: only a node with PRISM_NATS_URL connects.
  "@nats-io/transport-node",
  "@nats-io/nats-core",
  "@nats-io/jetstream",
  "@nats-io/kv",
  // …and Prism's own cluster parts (src/cluster-node.ts imports them when the node joins).
  "src/cluster/index.ts",
  "src/cluster/ownership.ts",
  "src/cluster/bridge.ts",
  // PostgreSQL (PRISM_DATABASE_URL): its driver and Prism's PostgreSQL client and schema.
  "pg",
  "pg-pool",
  "src/db/pg/client.ts",
  "src/db/schema-pg/index.ts",
];

/** The package a loaded file belongs to ("@grpc/grpc-js"), or its path under the repository ("src/cli/commands/streams.ts"). */
function moduleName(loaded: string): string {
  if (loaded.startsWith("intl:")) return loaded;
  const path = loaded.startsWith("file:") ? fileURLToPath(loaded) : loaded;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return pkg ? pkg[1]! : relative(repoRoot, path);
}

const TOKEN = "lazy-modules-test-token-0123456789abcdef";

/**
 * What `prism start` (the TypeScript entry, as `npm run dev` runs it) loaded from start to a clean stop;
 * with `scrapeMetrics`, after one scrape of /metrics in between.
 */
async function loadedByStart({ scrapeMetrics = false } = {}): Promise<Set<string>> {
  const dir = await makeTempDir("prism-footprint-");
  const list = join(dir, "loaded.txt");
  const [httpPort, rtmpPort] = [await freePort(), await freePort()];
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PRISM_")));
  const prism = spawnTracked(process.execPath, ["--import", "tsx", "--import", "./test/support/loaded-modules.mjs", "src/main.ts", "start"], {
    cwd: repoRoot,
    env: { ...clean, PRISM_DATA_DIR: dir, PRISM_HTTP_PORT: String(httpPort), PRISM_RTMP_PORT: String(rtmpPort), PRISM_API_TOKEN: TOKEN, PRISM_TEST_LOADED_MODULES: list },
  });
  await waitForListening(httpPort, 30_000, { pid: prism.pid, abortOn: prism.exited });
  await waitForListening(rtmpPort, 30_000, { pid: prism.pid, abortOn: prism.exited });
  if (scrapeMetrics) {
    const scrape = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain("prism_youtube_quota_units_daily_limit");
  }
  const exit = await prism.stop("SIGTERM", 15_000);
  expect(exit.code, exit.stderr).toBe(0);
  const names = new Set(readFileSync(list, "utf8").split("\n").filter(Boolean).map(moduleName));
  await removeTempDir(dir);
  return names;
}

describe("what Prism loads at start", () => {
  it("runs the relay and the API without the packages and commands it loads on first use", async () => {
    const loaded = await loadedByStart();
    // What the relay and the API do need, so an empty list (a broken recorder) cannot pass.
    for (const needed of ["node-media-server", "better-sqlite3", "hono", "pino", "src/relay/hub.ts"]) expect(loaded).toContain(needed);
    expect(NOT_AT_START.filter((pkg) => loaded.has(pkg))).toEqual([]);
    // `prism start` loads only its own command's module, not the API commands'.
    expect([...loaded].filter((name) => name.startsWith("src/cli/commands/"))).toEqual([]);
    // No Intl formatter either: the first one maps ICU's locale and zone data (about 6 MiB of RSS with
    // a time zone); YouTube's quota day builds its own on first use.
    expect([...loaded].filter((name) => name.startsWith("intl:"))).toEqual([]);
  }, 60_000);

  it("builds no Intl formatter for a scrape of /metrics either, while no YouTube quota was spent", async () => {
    // The quota gauges read the ledger at every scrape; the Pacific day is only needed once units were spent.
    const loaded = await loadedByStart({ scrapeMetrics: true });
    expect(loaded).toContain("src/destinations/youtube/quota.ts");
    expect([...loaded].filter((name) => name.startsWith("intl:"))).toEqual([]);
  }, 60_000);
});
