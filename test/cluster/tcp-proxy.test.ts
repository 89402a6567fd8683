import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "../support/ports.js";
import { startTcpProxy, type Backend } from "../support/tcp-proxy.js";

/** A backend that says its name, then echoes what it gets; it remembers its sockets so a test can cut them. */
interface EchoServer extends Backend {
  server: Server;
  sockets: Set<Socket>;
}

async function echoServer(name: string): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { host: "127.0.0.1", port: (server.address() as { port: number }).port, server, sockets };
}

let a: EchoServer;
let b: EchoServer;
let refused: Backend;

beforeAll(async () => {
  [a, b] = await Promise.all([echoServer("a"), echoServer("b")]);
  refused = { host: "127.0.0.1", port: await closedPort() };
});

afterAll(async () => {
  for (const s of [a, b]) {
    if (!s) continue;
    for (const socket of s.sockets) socket.destroy();
    s.server.close();
  }
});

/** Connects through the proxy and resolves with the name the backend greeted with ("closed" if it was cut). */
async function greeting(port: number): Promise<{ name: string; socket: Socket }> {
  const socket = connect({ host: "127.0.0.1", port });
  let seen = "";
  return new Promise((resolve, reject) => {
    socket.on("data", function onData(chunk: Buffer) {
      seen += chunk.toString();
      if (!seen.includes("\n")) return;
      socket.off("data", onData);
      resolve({ name: seen.split("\n")[0]!, socket });
    });
    socket.once("close", () => resolve({ name: "closed", socket }));
    socket.once("error", reject);
  });
}

describe("the test TCP proxy (HAProxy's stand-in)", () => {
  it("spreads connections round-robin and carries bytes both ways unchanged", async () => {
    const proxy = await startTcpProxy([a, b]);
    const names: string[] = [];
    const sockets: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const { name, socket } = await greeting(proxy.port);
      names.push(name);
      sockets.push(socket);
    }
    expect(names).toEqual(["a", "b", "a", "b"]);
    expect(proxy.routed).toEqual([0, 1, 0, 1]);

    const payload = randomBytes(1024 * 1024);
    const socket = sockets[0]!;
    const echoed: Buffer[] = [];
    let got = 0;
    const all = new Promise<void>((resolve) =>
      socket.on("data", (chunk: Buffer) => {
        echoed.push(chunk);
        got += chunk.length;
        if (got >= payload.length) resolve();
      }),
    );
    socket.write(payload);
    await all;
    expect(Buffer.concat(echoed).equals(payload)).toBe(true);
    for (const s of sockets) s.destroy();
    await proxy.close();
  });

  it("skips a backend that refuses the connection (a dead node)", async () => {
    const proxy = await startTcpProxy([a, refused, b]);
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { name, socket } = await greeting(proxy.port);
      names.push(name);
      socket.destroy();
    }
    expect(names).toEqual(["a", "b", "b", "a"]);
    expect(proxy.routed).toEqual([0, 2, 2, 0]);
    await proxy.close();
  });

  it("pins every new connection to one backend, and closes the client when that one refuses", async () => {
    const proxy = await startTcpProxy([a, refused, b]);
    proxy.pin(2);
    const pinned = [await greeting(proxy.port), await greeting(proxy.port)];
    expect(pinned.map((p) => p.name)).toEqual(["b", "b"]);
    proxy.pin(1);
    expect((await greeting(proxy.port)).name).toBe("closed");
    expect(proxy.routed).toEqual([2, 2, null]);
    proxy.pin(null);
    expect((await greeting(proxy.port)).name).toBe("a");
    expect(() => proxy.pin(3)).toThrow("No backend 3: there are 3");
    for (const p of pinned) p.socket.destroy();
    await proxy.close();
  });

  it("closes the client when its backend goes away, and the backend's socket when the client does", async () => {
    const proxy = await startTcpProxy([a]);
    const first = await greeting(proxy.port);
    const closed = once(first.socket, "close");
    for (const socket of a.sockets) socket.destroy(); // the node dies
    await closed;

    const second = await greeting(proxy.port);
    const [backendSide] = [...a.sockets];
    const backendClosed = once(backendSide!, "close");
    second.socket.destroy();
    await backendClosed;
    await proxy.close();
  });

  it("cuts what it carries when it closes", async () => {
    const proxy = await startTcpProxy([b]);
    const { socket } = await greeting(proxy.port);
    const closed = once(socket, "close");
    await proxy.close();
    await closed;
  });
});
