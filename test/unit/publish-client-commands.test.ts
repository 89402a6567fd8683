import net, { type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Rtmp } from "../../src/relay/rtmp/nms.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";
import { OutputError } from "../../src/relay/output-error.js";

type InvokeMessage = Rtmp.InvokeMessage;
const WINDOW_ACK_SIZE = 5;

/**
 * A real RTMP server (node-media-server's engine) that records what the client sent, in order, and
 * can refuse connect.
 */
class RecordingServer extends Rtmp {
  readonly seen: string[] = [];

  constructor(private readonly refuseConnect: boolean) {
    super();
  }

  override onConnect(message: InvokeMessage): void {
    this.seen.push("connect");
    if (!this.refuseConnect) return super.onConnect(message);
    this.sendInvokeMessage(0, { cmd: "_error", transId: message.transId, cmdObj: null, info: { level: "error", code: "NetConnection.Connect.Rejected", description: "No." } });
  }

  onCreateStream(message: InvokeMessage): void {
    this.seen.push("createStream");
    (this as unknown as { respondCreateStream(transId: unknown): void }).respondCreateStream(message.transId);
  }

  override onPublish(message: InvokeMessage): void {
    this.seen.push("publish");
    super.onPublish(message);
  }

  override controlHandler(): void {
    if (this.parserPacket.header.type === WINDOW_ACK_SIZE) this.seen.push(`windowAckSize ${this.parserPacket.payload.readUInt32BE(0)}`);
    super.controlHandler();
  }
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function recordingServer(refuseConnect = false): Promise<{ url: string; session: () => RecordingServer | null }> {
  let session: RecordingServer | null = null;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    const rtmp = new RecordingServer(refuseConnect);
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
  it("tells its window as soon as the server tells its own, and keeps librtmp's order: connect, createStream on its answer, publish on that one", async () => {
    const server = await recordingServer();
    const client = new RtmpPublishClient({ url: server.url, streamKey: "key" }, { connectTimeoutMs: 5_000 });
    await client.connect();
    expect(server.session()!.seen).toEqual(["connect", "windowAckSize 2500000", "createStream", "publish"]);
    client.close();
  });

  it("fails with the server's refusal of connect and never publishes", async () => {
    const server = await recordingServer(true);
    const client = new RtmpPublishClient({ url: server.url, streamKey: "key" }, { connectTimeoutMs: 5_000 });
    const err = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).kind).toBe("rejected");
    expect((err as OutputError).message).toMatch(/refused the connection \(NetConnection\.Connect\.Rejected: No\.\)/);
    expect(server.session()!.seen).toEqual(["connect"]);
    client.close();
  });
});
