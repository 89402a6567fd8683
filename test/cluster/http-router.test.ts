import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { routeStreamsThrough, answerForwarded, LIVE_CONFIG_ROUTES, OWNER_BOUND_ROUTES } from "../../src/api/cluster-routing.js";
import { NodeRequests } from "../../src/cluster/forward.js";
import { HttpForwarder } from "../../src/cluster/http-forward.js";
import { NatsLink } from "../../src/cluster/nats.js";
import { startNats, type TestNats } from "../support/nats.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";
import { startTestPrism, TEST_TOKEN, type TestPrism } from "../support/prism.js";

/**
 * The node-aware API router (issue #21, cluster-plan.md §2.3): two real Prisms on one PostgreSQL database, joined
 * by a real nats-server through HttpForwarder. A test ownerOf says which node a stream is live on; the request goes
 * to that node's own app and its answer comes back as it was given.
 */

let nats: TestNats;
let database: TestDatabase;
let a: TestPrism;
let b: TestPrism;
let linkA: NatsLink;
let linkB: NatsLink;
const stops: Array<() => void> = [];
/** The test's ownership: stream id → node id. */
const owners = new Map<string, string>();
/** Set while the test's ownerOf cannot tell where a stream is live, as the service's cannot while NATS is down. */
let ownersUnknown = false;
/** Streams whose health snapshot node A holds fresh (the mirror's view, in the service). */
const freshHealth = new Set<string>();
/** A named token, stored in the shared database: valid on both nodes (the admin tokens differ per node). */
let shared: string;
let streamId: string;

const NODE_B_ADMIN = "node-b-admin-token-0123456789abcdef";
/** Every node of a cluster shares the master key: stored tokens are keyed hashes, stream keys are encrypted with it. */
const SECRET = "cluster-router-test-master-secret-0123456789";

beforeAll(async () => {
  nats = await startNats();
  database = await createTestDatabase();
  a = await startTestPrism({ env: { PRISM_DATABASE_URL: database.url, PRISM_SECRET: SECRET } });
  b = await startTestPrism({ env: { PRISM_DATABASE_URL: database.url, PRISM_SECRET: SECRET, PRISM_API_TOKEN: NODE_B_ADMIN } });
  linkA = await NatsLink.connect({ url: nats.url, nodeId: "node-a", reconnectWaitMs: 100 });
  linkB = await NatsLink.connect({ url: nats.url, nodeId: "node-b", reconnectWaitMs: 100 });
  for (const [prism, link, nodeId] of [[a, linkA, "node-a"], [b, linkB, "node-b"]] as const) {
    const forwarder = new HttpForwarder(link, new NodeRequests(link, nodeId));
    stops.push(forwarder.serve((request) => answerForwarded(prism.prism.httpApp, request)));
    routeStreamsThrough(prism.prism.httpApp, {
      nodeId,
      ownerOf: async (id) => {
        if (ownersUnknown) throw new Error("Cluster coordination is unavailable (this node lost its connection to NATS); try again in a few seconds.");
        return owners.get(id) ?? null;
      },
      forward: (owner, request) => forwarder.forward(owner, request),
      hasFreshHealth: (id) => nodeId === "node-a" && freshHealth.has(id),
    });
  }
  await linkA.nc.flush();
  await linkB.nc.flush();
  const token = await a.api("POST", "/api/v1/tokens", { name: "cluster-ops", scopes: ["admin"] });
  expect(token.status).toBe(201);
  shared = token.body.token;
  const stream = await a.api("POST", "/api/v1/streams", { name: "Owned by B" });
  expect(stream.status).toBe(201);
  streamId = stream.body.id;
  owners.set(streamId, "node-b");
});

afterAll(async () => {
  for (const stop of stops) stop();
  await linkA?.close();
  await linkB?.close();
  await a?.stop();
  await b?.stop();
  await database?.drop();
  await nats?.dispose();
});

beforeEach(async () => {
  // A test that stopped NATS brings it back; each test starts with both nodes connected.
  await nats.start();
  await Promise.all([linkA.when(true), linkB.when(true)]);
  await linkB.nc.flush();
});

/** How many API requests node B has served on `route` (its request log, one line per request). */
function servedByB(route: string): number {
  return b.logs().split("\n").filter((line) => line.includes('"msg":"API request"') && line.includes(`"route":"${route}"`)).length;
}

const as = (token: string) => ({ token });

describe("owner-bound requests go to the node the stream is live on", () => {
  it("runs a GET on the owner and gives its answer back byte for byte", async () => {
    const route = "/api/v1/streams/:id/health/history";
    const before = servedByB(route);
    const forwarded = await a.api("GET", `/api/v1/streams/${streamId}/health/history?seconds=60`, undefined, as(shared));
    expect(servedByB(route)).toBe(before + 1);
    const direct = await b.api("GET", `/api/v1/streams/${streamId}/health/history?seconds=60`, undefined, as(shared));
    expect(direct.status).toBe(200);
    expect(forwarded.status).toBe(direct.status);
    expect(forwarded.text).toBe(direct.text);
    expect(forwarded.headers.get("content-type")).toBe(direct.headers.get("content-type"));
  });

  it("forwards a chat send and a live clip with their bodies, and gives the owner's answers back unchanged", async () => {
    // The owner's own refusals (no chat reader, not recording): what matters is that they are the owner's, unchanged.
    for (const [path, body, route, code] of [
      [`/api/v1/streams/${streamId}/comments`, { text: "hello from node A" }, "/api/v1/streams/:id/comments", "no_chat"],
      [`/api/v1/streams/${streamId}/clips`, { lastSec: 10, title: "that play" }, "/api/v1/streams/:id/clips", "not_recording"],
    ] as const) {
      const before = servedByB(route);
      const forwarded = await a.api("POST", path, body, as(shared));
      expect(servedByB(route), path).toBe(before + 1);
      const direct = await b.api("POST", path, body, as(shared));
      expect(direct.body.error.code, path).toBe(code);
      expect(forwarded.status, path).toBe(direct.status);
      expect(forwarded.text, path).toBe(direct.text);
    }
  });

  it("writes through the owner: a chat block sent to node A is made by node B", async () => {
    const route = "/api/v1/streams/:id/chat-blocks";
    const before = servedByB(route);
    const blocked = await a.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "twitch", authorId: "troll-1" }, as(shared));
    expect(servedByB(route)).toBe(before + 1);
    const listed = await b.api("GET", `/api/v1/streams/${streamId}/chat-blocks`, undefined, as(shared));
    expect(listed.status).toBe(200);
    expect(blocked.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain("troll-1");
  });

  it("forwards an action URL by the stream its token acts on", async () => {
    const created = await a.api("POST", `/api/v1/streams/${streamId}/action-tokens`, { name: "deck", actions: ["send-comment"] });
    expect(created.status).toBe(201);
    const route = "/api/v1/actions/:actionToken/send-comment";
    const before = servedByB(route);
    const path = `/api/v1/actions/${created.body.token}/send-comment`;
    const forwarded = await a.api("POST", path, { text: "from a phone" }, { token: null });
    expect(servedByB(route)).toBe(before + 1);
    const direct = await b.api("POST", path, { text: "from a phone" }, { token: null });
    expect(direct.body.error.code).toBe("no_chat");
    expect(forwarded.status).toBe(direct.status);
    expect(forwarded.text).toBe(direct.text);
  });

  it("serves routes that are not owner-bound, and streams no node owns, on the node called", async () => {
    const other = await a.api("POST", "/api/v1/streams", { name: "Not live" });
    const before = servedByB("/api/v1/streams/:id/comments");
    const res = await a.api("POST", `/api/v1/streams/${other.body.id}/comments`, { text: "hi" }, as(shared));
    expect(servedByB("/api/v1/streams/:id/comments")).toBe(before);
    expect(res.status).not.toBe(503);
    const listBefore = servedByB("/api/v1/streams/:id/chat-blocks");
    expect((await a.api("GET", `/api/v1/streams/${streamId}/chat-blocks`, undefined, as(shared))).status).toBe(200);
    expect(servedByB("/api/v1/streams/:id/chat-blocks")).toBe(listBefore);
  });
});

describe("which requests are owner-bound", () => {
  it("names only routes the API has (a renamed route would silently stop being forwarded)", () => {
    const routes = b.prism.httpApp.routes.filter((r) => r.method !== "ALL").map((r) => ({ method: r.method, path: r.path.replace(/:[A-Za-z]+/g, "abc-123") }));
    for (const bound of [...OWNER_BOUND_ROUTES, ...LIVE_CONFIG_ROUTES]) {
      expect(routes.some((r) => r.method === bound.method && bound.pattern.test(r.path)), String(bound.pattern)).toBe(true);
    }
  });

  it("asks the owner for a stream's health only while this node has no fresh snapshot of it", async () => {
    const route = "/api/v1/streams/:id/health";
    const before = servedByB(route);
    const forwarded = await a.api("GET", `/api/v1/streams/${streamId}/health`, undefined, as(shared));
    expect(forwarded.status).toBe(200);
    expect(servedByB(route)).toBe(before + 1);
    freshHealth.add(streamId);
    try {
      expect((await a.api("GET", `/api/v1/streams/${streamId}/health`, undefined, as(shared))).status).toBe(200);
      expect(servedByB(route)).toBe(before + 1);
    } finally {
      freshHealth.delete(streamId);
    }
  });
});

describe("the owner checks the credentials again", () => {
  it("refuses on the owner a token only the calling node knows", async () => {
    // node A's admin token is valid on node A only (PRISM_API_TOKEN differs): A lets it through, B refuses it.
    const res = await a.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "sneaky" }, as(TEST_TOKEN));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    const direct = await b.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "sneaky" }, as(TEST_TOKEN));
    expect(res.text).toBe(direct.text);
  });

  it("refuses a wrong token on the node called, without asking the owner", async () => {
    const before = servedByB("/api/v1/streams/:id/comments");
    const res = await a.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "x" }, as("wrong-token-0123456789abcdef0123"));
    expect(res.status).toBe(401);
    expect(servedByB("/api/v1/streams/:id/comments")).toBe(before);
  });

  it("does not count a forwarded request against the owner's rate limit (the node called counted it)", async () => {
    const c = await startTestPrism({ env: { PRISM_DATABASE_URL: database.url, PRISM_SECRET: SECRET, PRISM_API_RATE_LIMIT: "2" } });
    try {
      const request = { method: "GET", path: `/api/v1/streams/${streamId}/health/history`, query: "", headers: { authorization: `Bearer ${shared}` }, body: null };
      for (let i = 0; i < 4; i++) expect((await answerForwarded(c.prism.httpApp, request)).status).toBe(200);
      const direct = [];
      for (let i = 0; i < 3; i++) direct.push((await c.api("GET", request.path, undefined, as(shared))).status);
      expect(direct).toEqual([200, 200, 429]);
    } finally {
      await c.stop();
    }
  });

  it("refuses a forwarded request for a route that is not owner-bound", async () => {
    const answer = await answerForwarded(b.prism.httpApp, { method: "POST", path: "/api/v1/tokens", query: "", headers: { authorization: `Bearer ${shared}`, "content-type": "application/json" }, body: Buffer.from('{"name":"x","scopes":["admin"]}').toString("base64") });
    expect(answer.status).toBe(400);
    const dotted = await answerForwarded(b.prism.httpApp, { method: "POST", path: `/api/v1/streams/${streamId}/comments/../../../../tokens/hide`, query: "", headers: { authorization: `Bearer ${shared}` }, body: null });
    expect(dotted.status).toBe(400);
  });
});

describe("faults", () => {
  it("answers 503 cluster_unavailable while NATS is down, writing nothing, and works again when it is back", async () => {
    await nats.stop();
    await linkA.when(false);
    const res = await a.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "youtube", authorId: "while-down" }, as(shared));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("cluster_unavailable");
    expect(res.body.error.message).toContain(`Stream ${streamId} is live on node node-b, which this node cannot reach`);
    expect(res.body.error.message).toMatch(/try again shortly\.$/);
    expect(res.headers.get("retry-after")).toBe("2");
    const blocks = await a.api("GET", `/api/v1/streams/${streamId}/chat-blocks`, undefined, as(shared));
    expect(JSON.stringify(blocks.body)).not.toContain("while-down");

    await nats.start();
    await Promise.all([linkA.when(true), linkB.when(true)]);
    await linkB.nc.flush();
    const again = await a.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "youtube", authorId: "after-up" }, as(shared));
    expect(again.status).toBe(200);
  });

  it("refuses a change the owner applies live while this node cannot tell where the stream is live, and changes nothing", async () => {
    const added = await a.api("POST", `/api/v1/streams/${streamId}/destinations`, { platform: "custom", name: "Relay", url: "rtmp://127.0.0.1:1/live", streamKey: "k" }, as(shared));
    expect(added.status, added.text).toBe(201);
    const destination = added.body;
    ownersUnknown = true;
    try {
      const renamed = await a.api("PATCH", `/api/v1/streams/${streamId}`, { name: "Renamed while unknown" }, as(shared));
      expect(renamed.status).toBe(503);
      expect(renamed.body.error.code).toBe("cluster_unavailable");
      expect(renamed.body.error.message).toBe(
        `Nothing was changed: stream ${streamId} may be live on another node, and this node cannot tell (Cluster coordination is unavailable (this node lost its connection to NATS)), so the change might not reach it; try again shortly.`,
      );
      expect(renamed.headers.get("retry-after")).toBe("2");
      expect((await a.api("PATCH", `/api/v1/streams/${streamId}/destinations/${destination.id}`, { enabled: false }, as(shared))).status).toBe(503);
      expect((await a.api("POST", `/api/v1/streams/${streamId}/rotate-key`, undefined, as(shared))).status).toBe(503);
      // What only reads, or does not reach the live stream, is still served.
      const stream = await a.api("GET", `/api/v1/streams/${streamId}`, undefined, as(shared));
      expect(stream.body.name).toBe("Owned by B");
      const destinations = await a.api("GET", `/api/v1/streams/${streamId}/destinations`, undefined, as(shared));
      expect(destinations.body.find((d: { id: string }) => d.id === destination.id).enabled).toBe(true);
      expect((await a.api("POST", `/api/v1/streams/${streamId}/events`, { title: "Later", startsAt: new Date(Date.now() + 3_600_000).toISOString() }, as(shared))).status).toBe(201);
    } finally {
      ownersUnknown = false;
    }
    const renamed = await a.api("PATCH", `/api/v1/streams/${streamId}`, { name: "Owned by B" }, as(shared));
    expect(renamed.status).toBe(200);
    expect((await a.api("DELETE", `/api/v1/streams/${streamId}/destinations/${destination.id}`, undefined, as(shared))).status).toBe(204);
  });

  it("answers 503 when the owner is not connected (crashed or restarting)", async () => {
    owners.set(streamId, "node-gone");
    try {
      const res = await a.api("POST", `/api/v1/streams/${streamId}/markers`, { label: "x" }, as(shared));
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain("live on node node-gone, which this node cannot reach (Node node-gone is not answering");
    } finally {
      owners.set(streamId, "node-b");
    }
  });

  it("refuses a body NATS cannot carry with 413 and a message saying why, before sending it", async () => {
    const route = "/api/v1/streams/:id/comments";
    const before = servedByB(route);
    // Under the API's own limit (1 MiB) but over what one NATS message carries once in base64.
    const res = await a.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "x".repeat(900_000) }, as(shared));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect(res.body.error.message).toMatch(/too large to pass between cluster nodes: NATS carries at most \d+ bytes/);
    expect(servedByB(route)).toBe(before);
  });

  it("keeps the API's own body limit in front of forwarding", async () => {
    const res = await a.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "x".repeat(1_100_000) }, as(shared));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain("KiB");
  });
});
