/**
 * Raw RTMP bytes for abuse tests: a client that completes the handshake and then writes whatever
 * chunk headers a test wants, including ones no encoder would send.
 */
import net from "node:net";

const HANDSHAKE_SIZE = 1536;

export interface ChunkHeaderFields {
  fmt?: 0 | 1 | 2 | 3;
  chunkStream: number;
  timestamp?: number;
  length?: number;
  type?: number;
  streamId?: number;
}

/** One chunk header with the basic header in whichever of its three forms the chunk stream id needs. */
export function chunkHeader({ fmt = 0, chunkStream: cid, timestamp = 0, length = 0, type = 9, streamId = 1 }: ChunkHeaderFields): Buffer {
  const basic =
    cid >= 320 ? Buffer.from([(fmt << 6) | 1, (cid - 64) & 0xff, (cid - 64) >> 8]) : cid >= 64 ? Buffer.from([fmt << 6, cid - 64]) : Buffer.from([(fmt << 6) | cid]);
  const message = Buffer.alloc([11, 7, 3, 0][fmt]!);
  if (fmt <= 2) message.writeUIntBE(Math.min(timestamp, 0xffffff), 0, 3);
  if (fmt <= 1) {
    message.writeUIntBE(length, 3, 3);
    message[6] = type;
  }
  if (fmt === 0) message.writeUInt32LE(streamId, 7);
  return Buffer.concat([basic, message]);
}

/**
 * The chunk-stream flood: on each chunk stream, a header claiming a `claimBytes` message followed by
 * only `sendBytes` of it (one 128-byte chunk at RTMP's default chunk size).
 */
export function chunkStreamFlood(chunkStreams: number, claimBytes: number, sendBytes = 128, firstChunkStream = 3): Buffer {
  const parts: Buffer[] = [];
  for (let cid = firstChunkStream; cid < firstChunkStream + chunkStreams; cid++) {
    parts.push(chunkHeader({ chunkStream: cid, length: claimBytes }), Buffer.alloc(sendBytes, 0x17));
  }
  return Buffer.concat(parts);
}

/**
 * A message cut into chunks of `chunkSize` on one chunk stream (type-3 continuations). With a
 * `claimedLength` above the payload's, the message stays unfinished after the payload's chunks.
 */
export function chunkedMessage(chunkStream: number, type: number, payload: Buffer, chunkSize = 128, timestamp = 0, claimedLength = payload.length): Buffer {
  const parts = [chunkHeader({ chunkStream, type, length: claimedLength, timestamp })];
  for (let p = 0; p < payload.length; p += chunkSize) {
    if (p > 0) parts.push(chunkHeader({ fmt: 3, chunkStream }));
    parts.push(payload.subarray(p, p + chunkSize));
  }
  return Buffer.concat(parts);
}

/** Set Chunk Size (a protocol control message on chunk stream 2) with any value, valid or not. */
export function setChunkSize(size: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size >>> 0);
  return chunkedMessage(2, 1, payload);
}

export interface HostileConnection {
  socket: net.Socket;
  /** Resolves when the server has closed the connection, with ms since it was opened. */
  closed: Promise<number>;
}

/** Connects and completes a plain (digest-less) RTMP handshake; then the test writes what it likes. */
export function handshaken(port: number): Promise<HostileConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const opened = Date.now();
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now() - opened)));
    let received = 0;
    socket.on("error", () => {});
    socket.on("connect", () => socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_SIZE)])));
    const onData = (data: Buffer) => {
      received += data.length;
      if (received < 1 + 2 * HANDSHAKE_SIZE) return;
      socket.off("data", onData);
      socket.on("data", () => {});
      socket.write(Buffer.alloc(HANDSHAKE_SIZE));
      resolve({ socket, closed });
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error("the server closed the connection during the handshake")));
  });
}
