import net from "node:net";
import tls from "node:tls";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";

/** A throwaway self-signed certificate for 127.0.0.1, written as PEM files. */
export async function makeCertificate(dir: string, name = "tls"): Promise<{ cert: string; key: string; certFile: string; keyFile: string }> {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    notAfterDate: new Date(Date.now() + 86_400_000),
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] }],
  });
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  await writeFile(certFile, pems.cert);
  await writeFile(keyFile, pems.private);
  return { cert: pems.cert, key: pems.private, certFile, keyFile };
}

/**
 * TLS in front of a plain RTMP server: what an rtmps:// platform ingest looks like to Prism. Each
 * TLS connection is piped to the plain server on `targetPort`.
 */
export async function startTlsTerminator(opts: { cert: string; key: string; targetPort: number }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: opts.cert, key: opts.key }, (secure) => {
    const plain = net.connect(opts.targetPort, "127.0.0.1");
    for (const s of [secure, plain]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        secure.destroy();
        plain.destroy();
      });
    }
    secure.pipe(plain).pipe(secure);
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
