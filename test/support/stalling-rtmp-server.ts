import net, { type Server, type Socket } from "node:net";
import { Rtmp } from "../../src/relay/rtmp/nms.js";

/**
 * An RTMP server that accepts a publish and then stops reading: a destination whose network has
 * stalled. Built on node-media-server's server-side protocol engine, so the handshake and the
 * Publish.Start answer are those of a real RTMP server.
 */
export async function startStallingRtmpServer(): Promise<{ url: string; publishes: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let publishes = 0;
  const server: Server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const rtmp = new Rtmp();
    rtmp.onOutputCallback = (buffer) => socket.write(buffer);
    rtmp.onPushCallback = () => {
      publishes += 1;
      // Publish.Start has been written; from now on the peer's data piles up unread.
      socket.pause();
    };
    socket.on("data", (data: Buffer) => {
      try {
        rtmp.parserData(data);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `rtmp://127.0.0.1:${port}/app`,
    publishes: () => publishes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
