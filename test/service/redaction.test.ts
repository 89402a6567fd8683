import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

describe("logs at trace level never carry a key or a token", () => {
  let t: TestPrism;
  beforeAll(async () => {
    // The admin token lives in the data dir here, so it can be rotated too.
    t = await startTestPrism({ env: { PRISM_API_TOKEN: "", PRISM_LOG_LEVEL: "trace" } });
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });

  it("across API calls, token management, a refused publish and a real publish to a real receiver", async () => {
    const secrets: string[] = [];
    const keep = (s: string) => {
      expect(s.length).toBeGreaterThanOrEqual(8);
      secrets.push(s);
      return s;
    };
    let admin = keep(t.prism.adminToken.value);
    const call = (method: string, path: string, body?: unknown, token = admin) => t.api(method, path, body, { token });

    // Tokens: created, used, refused, deleted; the admin token rotated.
    const { body: reader } = await call("POST", "/api/v1/tokens", { name: "reader", scopes: ["read"] });
    keep(reader.token);
    expect((await call("GET", "/api/v1/streams", undefined, reader.token)).status).toBe(200);
    expect((await call("POST", "/api/v1/streams", { name: "x" }, reader.token)).status).toBe(403);
    expect((await call("GET", "/api/v1/streams", undefined, keep("prism_ThisIsAWrongTokenOfTheRightShape00"))).status).toBe(401);
    expect((await call("GET", "/api/v1/streams", undefined, keep("a-wrong-token-of-no-known-shape"))).status).toBe(401);
    const rotated = await call("POST", "/api/v1/tokens/admin/rotate");
    expect(rotated.status).toBe(200);
    admin = keep(rotated.body.token);
    expect((await call("DELETE", `/api/v1/tokens/${reader.id}`)).status).toBe(204);

    // A stream whose key is rotated and revealed; destinations with keys of their own.
    const { body: stream } = await call("POST", "/api/v1/streams", { name: "Secret keeper" });
    keep(stream.streamKey);
    const { body: rekeyed } = await call("POST", `/api/v1/streams/${stream.id}/rotate-key`);
    const streamKey = keep(rekeyed.streamKey);
    expect((await call("POST", `/api/v1/streams/${stream.id}/reveal-key`)).body.streamKey).toBe(streamKey);
    keep(stream.backupStreamKey);
    const { body: rebacked } = await call("POST", `/api/v1/streams/${stream.id}/rotate-key`, { which: "backup" });
    const backupKey = keep(rebacked.backupStreamKey);
    const dir = await makeTempDir("prism-redaction-");
    const receiver = await startRtmpReceiver({ dir, key: keep(`destkey${Date.now()}abcdef`) });
    const { body: dest } = await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Receiver", url: receiver.url, streamKey: receiver.key });
    await call("PATCH", `/api/v1/streams/${stream.id}/destinations/${dest.id}`, { streamKey: keep("another-destination-key-987654") });
    await call("PATCH", `/api/v1/streams/${stream.id}/destinations/${dest.id}`, { streamKey: receiver.key });
    await call("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "custom", name: "Closed", url: "rtmp://127.0.0.1:9/app", streamKey: keep("closed-port-destination-key-42") });

    // The old key is refused at the ingest; the new one publishes for real.
    const refused = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 2 });
    expect(await refused.publishing).toBe(false);
    const publisher = publishTestStream({ url: t.publishUrl(streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await call("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0].state === "live", { what: "receiver live" });
    await receiver.connected;
    // A backup encoder too: its key is as secret as the primary's.
    const backup = publishTestStream({ url: t.publishUrl(backupKey), durationSec: Infinity });
    expect(await backup.publishing).toBe(true);
    await waitFor(async () => (await call("GET", `/api/v1/streams/${stream.id}/health`)).body.ingest.backup.connected, { what: "backup connected" });
    expect((await call("GET", "/metrics")).status).toBe(200);
    await backup.stop();
    await publisher.stop();
    await waitFor(async () => !(await call("GET", `/api/v1/streams/${stream.id}`)).body.live, { what: "stream ended" });

    const logs = t.logs();
    // Logging really was at trace and covered all of that.
    expect(t.prism.log.isLevelEnabled("trace")).toBe(true);
    expect(logs).toContain('"level":20');
    expect(logs).toContain('"component":"node-media-server"');
    expect(logs).toMatch(/"route":"\/api\/v1\/tokens\/admin\/rotate"/);
    expect(logs).toMatch(/stream started/);
    expect(logs).toMatch(/publish refused: unknown stream key/);
    for (const secret of secrets) expect(logs.includes(secret), `a secret ending in …${secret.slice(-4)} was logged`).toBe(false);
  });
});
