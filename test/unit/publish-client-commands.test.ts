import net, { type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Rtmp } from "../../src/relay/rtmp/nms.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";
import { OutputError } from "../../src/relay/output-error.js";

type InvokeMessage = Rtmp.InvokeMessage;
const WINDOW_ACK_SIZE = 5;

/**
 * A real RTMP server (node-media-server's engine) that answers connect only once createStream has
 * arrived too: a client that waits for connect's answer before sending createStream never gets one.
 * It records what the client sent, in order.
 */
class GatedServer extends Rtmp {
  readonly seen: string[] = [];
  private connect: InvokeMessage | null = null;
  private create: InvokeMessage | null = null;

  constructor(private readonly refuseConnect: boolean) {
    super();
  }

  override onConnect(message: InvokeMessage): void {
    this.seen.push("connect");
    this.connect = message;
    this.answer();
  }

  onCreateStream(message: InvokeMessage): void {
    this.seen.push("createStream");
    this.create = message;
    this.answer();
  }

  override onPublish(message: InvokeMessage): void {
    this.seen.push("publish");
    super.onPublish(message);
  }

  override controlHandler(): void {
    if (this.parserPacket.header.type === WINDOW_ACK_SIZE) this.seen.push(`windowAckSize ${this.parserPacket.payload.readUInt32BE(0)}`);
    super.controlHandler();
  }

  private answer(): void {
    const [connect, create] = [this.connect, this.create];
    if (!connect || !create) return;
    if (this.refuseConnect) {
      this.sendInvokeMessage(0, { cmd: "_error", transId: connect.transId, cmdObj: null, info: { level: "error", code: "NetConnection.Connect.Rejected", description: "No." } });
    } else {
      super.onConnect(connect);
    }
    (this as unknown as { respondCreateStream(transId: unknown): void }).respondCreateStream(create.transId);
  }
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function gatedServer(refuseConnect = false): Promise<{ url: string; session: () => GatedServer | null }> {
  let session: GatedServer | null = null;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    const rtmp = new GatedServer(refuseConnect);
    session = rtmp;
    rtmp.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    socket.on("data", (data: Buffer) => rtmp.parserData(data));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `rtmp://127.0.0.1:${(server.address() as net.AddressInfo).port}/app`, session: () => session };
}

describe("RTMP publish client: the commands before media", () => {
  it("sends createStream without waiting for connect's answer, tells its window, and publishes once both answers are in", async () => {
    const server = await gatedServer();
    const client = new RtmpPublishClient({ url: server.url, streamKey: "key" }, { connectTimeoutMs: 5_000 });
    await client.connect();
    expect(server.session()!.seen).toEqual(["connect", "createStream", "windowAckSize 2500000", "publish"]);
    client.close();
  });

  it("fails with the server's refusal of connect and never publishes", async () => {
    const server = await gatedServer(true);
    const client = new RtmpPublishClient({ url: server.url, streamKey: "key" }, { connectTimeoutMs: 5_000 });
    const err = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).kind).toBe("rejected");
    expect((err as OutputError).message).toMatch(/refused the connection \(NetConnection\.Connect\.Rejected: No\.\)/);
    expect(server.session()!.seen).not.toContain("publish");
    client.close();
  });
});
