import net, { type AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { closedPort } from "../support/receiver.js";

interface DestinationHealth {
  id: string;
  state: string;
  lastError: string | null;
}

/** A TCP server on 127.0.0.1 that counts connections and treats them as `behave` says. */
async function tcpServer(behave: "hang" | "http" | "close") {
  const sockets: net.Socket[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.push(socket);
    socket.on("error", () => {});
    if (behave === "close") socket.destroy();
    // Any bytes (Prism's RTMP C0+C1) get an HTTP error back, like a web server on the wrong port.
    if (behave === "http") socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function setup(t: () => TestPrism) {
  const api = (method: string, path: string, body?: unknown) => t().api(method, `/api/v1${path}`, body);
  const health = async (streamId: string): Promise<DestinationHealth[]> => (await api("GET", `/streams/${streamId}/health`)).body.destinations;
  const newStream = async (name: string) => (await api("POST", "/streams", { name })).body as { id: string; streamKey: string };
  return { api, health, newStream };
}

describe("PRISM_DESTINATION_ALLOW at start", () => {
  it("defaults to public,private and names a bad item clearly", () => {
    expect(loadConfig({ PRISM_DATA_DIR: "/tmp/unused" }).output.addressPolicy.text).toBe("public,private");
    expect(loadConfig({ PRISM_DATA_DIR: "/tmp/unused", PRISM_DESTINATION_ALLOW: "public, private,LOOPBACK,192.0.2.0/24,::1" }).output.addressPolicy.text).toBe("public,private,LOOPBACK,192.0.2.0/24,::1");
    for (const [bad, message] of [
      ["public,intranet", /PRISM_DESTINATION_ALLOW: "intranet" is neither a keyword \(public, private, loopback, link-local\) nor an address or CIDR/],
      ["10.0.0.0/33", /"10\.0\.0\.0\/33" is neither a keyword/],
      [" , ", /PRISM_DESTINATION_ALLOW is empty/],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ PRISM_DATA_DIR: "/tmp/unused", PRISM_DESTINATION_ALLOW: bad });
      } catch (err) {
        error = err;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe("destination address policy, production default (public,private)", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_DESTINATION_ALLOW: "public,private", PRISM_OUTPUT_CONNECT_TIMEOUT_MS: "1500" });
  const { api, health, newStream } = setup(() => t);
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));

  it("refuses loopback, link-local and embedded-loopback literals at create and update, and accepts private and public ones", async () => {
    const stream = await newStream("Policy API");
    for (const url of ["rtmp://127.0.0.1:1935/live", "rtmp://[::1]/live", "rtmp://[::ffff:127.0.0.1]/live", "rtmps://169.254.169.254/live", "rtmp://0.0.0.0/live", "rtmp://[64:ff9b::7f00:1]/live"]) {
      const res = await api("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: "Inside", url, streamKey: "k" });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe("destination_not_allowed");
      expect(res.body.error.message).toMatch(/which destinations may not connect to: PRISM_DESTINATION_ALLOW is "public,private"/);
    }
    const lan = await api("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: "LAN encoder", url: "rtmp://192.168.1.20/live", streamKey: "k" });
    expect(lan.status).toBe(201);
    expect((await api("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: "Public", url: "rtmp://203.0.114.7/live", streamKey: "k" })).status).toBe(201);
    const patched = await api("PATCH", `/streams/${stream.id}/destinations/${lan.body.id}`, { url: "rtmp://127.0.0.2/live" });
    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toMatch(/url: 127\.0\.0\.2 is a loopback address/);
    expect((await api("GET", `/streams/${stream.id}/destinations/${lan.body.id}`)).body.url).toBe("rtmp://192.168.1.20/live");
  });

  it("refuses at connect a host name that resolves to loopback, without connecting, and does not retry", async () => {
    const listener = await tcpServer("hang");
    servers.push(listener);
    const stream = await newStream("Policy connect");
    const created = await api("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name: "Sneaky", url: `rtmp://localhost:${listener.port}/live`, streamKey: "k" });
    expect(created.status).toBe(201); // a host name is checked on what it resolves to, when connecting
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const failed = await waitFor(async () => (await health(stream.id)).find((d) => d.state === "failed"), { what: "destination failed" });
    expect(failed.lastError).toMatch(new RegExp(`^rtmp://localhost:${listener.port} is refused by the destination address policy: localhost \\((127\\.0\\.0\\.1|::1)\\) is a loopback address, and PRISM_DESTINATION_ALLOW is "public,private"`));
    expect(listener.connections()).toBe(0);
    await publisher.stop();
  });
});

describe("destination connection errors (loopback allowed, as in every test)", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_OUTPUT_CONNECT_TIMEOUT_MS: "1500" });
  const { api, health, newStream } = setup(() => t);
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));

  it("reads the same for a closed port, a filtered one and an open non-RTMP one, so they cannot be told apart", async () => {
    const hanging = await tcpServer("hang");
    const web = await tcpServer("http");
    const slammed = await tcpServer("close");
    servers.push(hanging, web, slammed);
    const stream = await newStream("Scan");
    const targets = { closed: await closedPort(), filtered: hanging.port, http: web.port, reset: slammed.port };
    const ids = new Map<string, string>();
    for (const [name, port] of Object.entries(targets)) {
      const res = await api("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name, url: `rtmp://127.0.0.1:${port}/live`, streamKey: "k" });
      ids.set(res.body.id, name);
    }
    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const all = await waitFor(async () => {
      const list = await health(stream.id);
      return list.every((d) => d.lastError) ? list : null;
    }, { what: "every destination's first error" });
    const normalized = new Set(all.map((d) => d.lastError!.replace(/127\.0\.0\.1:\d+/, "HOST")));
    expect([...normalized]).toEqual([
      "Could not connect to rtmp://HOST: no RTMP server accepted the connection. Check the host, port and rtmp:// or rtmps:// of the URL, that the server is running and reachable from the Prism machine; Prism's log has the network error.",
    ]);
    for (const d of all) expect(["reconnecting", "connecting"], ids.get(d.id)).toContain(d.state);
    // The operator's log keeps what really happened.
    expect(t.logs()).toMatch(/"detail":"Connection refused by rtmp:\/\/127\.0\.0\.1:\d+/);
    await publisher.stop();
  });
});
