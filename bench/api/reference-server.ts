/**
 * The bench's reference server: plain node:http answering every request with the same JSON body a
 * real health answer has, in its own process. What the load generator measures against it is the
 * floor this machine and client put under any server's figures.
 *
 *   node --import tsx bench/api/reference-server.ts <port> '<body>'
 */
import http from "node:http";

const [port, body = "{}"] = process.argv.slice(2);
const bytes = Buffer.from(body);
http
  .createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.end(bytes);
  })
  .listen(Number(port), "127.0.0.1");
