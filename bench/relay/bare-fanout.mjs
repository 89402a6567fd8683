/**
 * The bare-Node reference of bench:relay: the least a Node process pays to move the stream to N sockets.
 * It takes one publisher's bytes (FLV over plain TCP) and writes every read, as is, to N plain TCP receivers:
 * no RTMP, no parsing, no copy, no queue, no API. Prism runs on the same Node, with the same flags, doing all
 * of that on top, so the gap between the two is what Prism's own work costs.
 *
 *   node [Prism's node flags] bench/relay/bare-fanout.mjs <listen port> <receiver port>...
 */
import net from "node:net";

const [listenPort, ...receiverPorts] = process.argv.slice(2).map(Number);
const outputs = receiverPorts.map((port) => net.connect(port, "127.0.0.1").on("error", () => {}));

net
  .createServer((publisher) => {
    publisher.on("data", (bytes) => {
      for (const output of outputs) output.write(bytes);
    });
    publisher.on("error", () => {});
  })
  .listen(listenPort, "127.0.0.1");
