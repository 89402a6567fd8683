import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { defaultNodeId, loadConfig } from "../../src/config.js";
import { parseNatsUrl } from "../../src/cluster/nats-url.js";

const DB = { PRISM_DATABASE_URL: "postgres://prism@127.0.0.1:5432/prism" };

/** The one line loadConfig refuses `env` with. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env, {});
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("cluster settings (PRISM_NATS_URL and friends)", () => {
  it("leaves a single node alone when PRISM_NATS_URL is unset", () => {
    expect(loadConfig({}, {}).cluster).toBeUndefined();
  });

  it("reads a cluster's settings, with the defaults", () => {
    expect(loadConfig({ ...DB, PRISM_NATS_URL: "nats://10.0.0.5:4222", PRISM_HTTP_PORT: "8081" }, {}).cluster).toEqual({
      natsUrl: "nats://10.0.0.5:4222",
      nodeId: defaultNodeId(hostname(), 8081),
      leaseMs: 6_000,
      drainSeconds: 25,
    });
    expect(
      loadConfig({ ...DB, PRISM_NATS_URL: "tls://a:4222,tls://b:4222", PRISM_NODE_ID: "edge-1", PRISM_CLUSTER_LEASE_MS: "3000", PRISM_DRAIN_SECONDS: "0" }, {}).cluster,
    ).toEqual({ natsUrl: "tls://a:4222,tls://b:4222", nodeId: "edge-1", leaseMs: 3_000, drainSeconds: 0 });
  });

  it("refuses a cluster without a shared PostgreSQL", () => {
    expect(refusal({ PRISM_NATS_URL: "nats://127.0.0.1:4222" })).toContain(
      "PRISM_NATS_URL: a cluster keeps its state in PostgreSQL, shared by every node: set PRISM_DATABASE_URL=postgres://… as well",
    );
  });

  it("refuses a NATS URL that is not nats:// or tls://, saying what to write", () => {
    expect(refusal({ ...DB, PRISM_NATS_URL: "http://127.0.0.1:4222" })).toContain(
      "PRISM_NATS_URL: http:// is not a NATS scheme: write nats://host:4222, or tls://host:4222 for an encrypted connection",
    );
    expect(refusal({ ...DB, PRISM_NATS_URL: "127.0.0.1:4222" })).toContain('PRISM_NATS_URL: "127.0.0.1:4222" is not a URL: write nats://host:4222 (or tls://host:4222)');
    expect(refusal({ ...DB, PRISM_NATS_URL: "nats://" })).toContain('PRISM_NATS_URL: "nats://" names no host');
    expect(refusal({ ...DB, PRISM_NATS_URL: "nats://a:4222/x?y" })).toContain('PRISM_NATS_URL: "nats://a:4222": a NATS URL has no path, query or fragment');
    expect(refusal({ ...DB, PRISM_NATS_URL: "nats://a:4222,tls://b:4222" })).toContain("PRISM_NATS_URL: mixes nats:// and tls:// servers: use tls:// for all of them or for none");
    expect(refusal({ ...DB, PRISM_NATS_URL: " , " })).toContain("PRISM_NATS_URL: must name a NATS server, e.g. nats://127.0.0.1:4222");
  });

  it("never repeats a password from a refused NATS URL", () => {
    const message = refusal({ ...DB, PRISM_NATS_URL: "nats://user:hunter2@a:4222/path" });
    expect(message).toContain('PRISM_NATS_URL: "nats://***@a:4222": a NATS URL has no path');
    expect(message).not.toContain("hunter2");
    expect(refusal({ ...DB, PRISM_NATS_URL: "nats://user:hunter2@[bad" })).not.toContain("hunter2");
  });

  it("refuses a node id that could not name a NATS subject", () => {
    for (const id of ["Edge-1", "edge.1", "edge 1", "a".repeat(64), "edge_1", "*"]) {
      expect(refusal({ ...DB, PRISM_NATS_URL: "nats://a:4222", PRISM_NODE_ID: id })).toContain(
        'PRISM_NODE_ID: PRISM_NODE_ID must be 1-63 lowercase letters, digits or "-" (it names this node in the cluster)',
      );
    }
  });

  it("refuses lease and drain times out of bounds, with the reason", () => {
    const cluster = { ...DB, PRISM_NATS_URL: "nats://a:4222" };
    expect(refusal({ ...cluster, PRISM_CLUSTER_LEASE_MS: "500" })).toContain(
      "PRISM_CLUSTER_LEASE_MS: PRISM_CLUSTER_LEASE_MS must be at least 1000: it is renewed every third of it, and a busy node needs that much room",
    );
    expect(refusal({ ...cluster, PRISM_CLUSTER_LEASE_MS: "120000" })).toContain(
      "PRISM_CLUSTER_LEASE_MS: PRISM_CLUSTER_LEASE_MS must be at most 60000: a dead node's streams wait that long before another node takes them over",
    );
    expect(refusal({ ...cluster, PRISM_CLUSTER_LEASE_MS: "soon" })).toContain("PRISM_CLUSTER_LEASE_MS: PRISM_CLUSTER_LEASE_MS must be a number");
    expect(refusal({ ...cluster, PRISM_CLUSTER_LEASE_MS: "1500.5" })).toContain("PRISM_CLUSTER_LEASE_MS: PRISM_CLUSTER_LEASE_MS must be a whole number of milliseconds");
    expect(refusal({ ...cluster, PRISM_DRAIN_SECONDS: "-1" })).toContain("PRISM_DRAIN_SECONDS: PRISM_DRAIN_SECONDS must be 0 (stop at once) or more");
    expect(refusal({ ...cluster, PRISM_DRAIN_SECONDS: "7200" })).toContain("PRISM_DRAIN_SECONDS: PRISM_DRAIN_SECONDS must be at most 3600 (an hour)");
  });

  it("derives a valid default node id from any host name", () => {
    expect(defaultNodeId("Prism-Node.example.com", 8080)).toBe("prism-node-example-com-8080");
    expect(defaultNodeId("___", 8080)).toBe("node-8080");
    const long = defaultNodeId(`${"x".repeat(70)}`, 65535);
    expect(long).toMatch(/^[a-z0-9-]{1,63}$/);
    expect(long.endsWith("-65535")).toBe(true);
    // Cut to fit, without leaving a "-" before the port's.
    expect(defaultNodeId(`${"a".repeat(59)}.bcd`, 80)).toBe(`${"a".repeat(59)}-80`);
  });

  it("takes credentials from the URL for the client and masks them for people", () => {
    expect(parseNatsUrl("nats://prism:s%40cret@10.0.0.5:4222")).toEqual({ servers: ["10.0.0.5:4222"], tls: false, user: "prism", pass: "s@cret", display: "nats://***@10.0.0.5:4222" });
    expect(parseNatsUrl("tls://tok@a,tls://b:4333")).toEqual({ servers: ["a:4222", "b:4333"], tls: true, token: "tok", display: "tls://***@a,tls://b:4333" });
  });
});
