/**
 * One small RTMP server standing in for every destination of the API bench: it accepts any number of
 * publishes (any app, any key), reads everything and keeps only counts. One process instead of 80
 * ffmpeg receivers keeps the machine's two cores for Prism and the load generator.
 * Built on node-media-server's protocol engine (handshake, chunk parser, publish answers).
 *
 *   node --import tsx bench/api/sink.ts   → prints "listening <port>", then "stats <publishing> <bytes>" every second
 */
import net, { type Socket } from "node:net";
import { Rtmp } from "../../src/relay/rtmp/nms.js";

let publishing = 0;
let bytes = 0;
const sockets = new Set<Socket>();

const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.on("error", () => {});
  const rtmp = new Rtmp();
  let published = false;
  rtmp.onOutputCallback = (buffer: Buffer) => socket.write(buffer);
  rtmp.onPushCallback = () => {
    published = true;
    publishing += 1;
  };
  socket.on("data", (data: Buffer) => {
    bytes += data.length;
    try {
      rtmp.parserData(data);
    } catch {
      socket.destroy();
    }
  });
  socket.on("close", () => {
    sockets.delete(socket);
    if (published) publishing -= 1;
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as net.AddressInfo).port}\n`);
  setInterval(() => process.stdout.write(`stats ${publishing} ${bytes}\n`), 1000).unref();
});
const stop = () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
