import { lazyModule } from "../core/lazy-module.js";

/**
 * The official NATS clients, loaded the first time a cluster connects: a single-node Prism (no PRISM_NATS_URL)
 * never carries them in memory. test/unit/lazy-modules.test.ts keeps it so.
 */
export const natsTransport = lazyModule<typeof import("@nats-io/transport-node")>(import.meta.url, "@nats-io/transport-node");
export const natsJetStream = lazyModule<typeof import("@nats-io/jetstream")>(import.meta.url, "@nats-io/jetstream");
export const natsKv = lazyModule<typeof import("@nats-io/kv")>(import.meta.url, "@nats-io/kv");
