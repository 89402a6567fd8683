/**
 * RTMP chunk demultiplexer for the ingest, bounded by construction: a message's buffer grows as its
 * bytes arrive (never to what a header merely claims), the buffers of all chunk streams together
 * stay under `maxAllocatedBytes`, and a peer may open at most `maxChunkStreams` chunk streams.
 * node-media-server's own parser allocates every claimed length at once, per chunk stream, with no
 * total: ~116 KB of headers could make it zero-fill gigabytes.
 */

/** What a hostile or broken peer gets: the connection is closed with this message as the reason. */
export class RtmpProtocolError extends Error {
  override readonly name = "RtmpProtocolError";
}

export interface ChunkLimits {
  /** Bytes all message buffers of one connection may hold together; also the largest message. */
  maxAllocatedBytes: number;
  /** Distinct chunk stream ids one connection may use. */
  maxChunkStreams: number;
}

export interface ChunkMessage {
  chunkStream: number;
  type: number;
  streamId: number;
  /** Message clock in ms as the chunk headers add it up (may exceed 32 bits; the caller decides). */
  timestamp: number;
  /** A view valid only during the callback: it is the input or a buffer reused for the next message. */
  payload: Buffer;
}

const TYPE_SET_CHUNK_SIZE = 1;
const TYPE_ABORT = 2;
const DEFAULT_CHUNK_SIZE = 128;
/** No encoder goes below RTMP's default; smaller chunks would only multiply per-chunk work. */
const MIN_CHUNK_SIZE = 128;
const MAX_CHUNK_SIZE = 0xffffff;
const EXTENDED = 0xffffff;
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;
const MAX_HEADER_SIZE = 3 + 11 + 4;
/** Smallest buffer a chunk stream starts with, so a stream of small messages settles at once. */
const MIN_BUFFER = 4096;
const EMPTY = Buffer.alloc(0);

interface ChunkStream {
  id: number;
  /** The header's raw timestamp field (absolute for type 0, delta otherwise). */
  timestampField: number;
  /** Whether chunks of the current message carry a 4-byte extended timestamp. */
  extended: boolean;
  clock: number;
  length: number;
  type: number;
  streamId: number;
  /** Bytes of the current message received so far. */
  received: number;
  /** Reused from message to message; counted in the connection's allocation while held. */
  buffer: Buffer;
}

export class ChunkDemuxer {
  private readonly streams = new Map<number, ChunkStream>();
  private readonly header = Buffer.alloc(MAX_HEADER_SIZE);
  private headerBytes = 0;
  /** The chunk stream whose chunk payload is being read, or null while reading a chunk header. */
  private current: ChunkStream | null = null;
  private chunkLeft = 0;
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private allocated = 0;

  constructor(
    private readonly limits: ChunkLimits,
    private readonly onMessage: (message: ChunkMessage) => void,
  ) {}

  /** Bytes the message buffers of this connection hold now. */
  get allocatedBytes(): number {
    return this.allocated;
  }

  /** Feeds bytes from the socket; throws RtmpProtocolError when the peer breaks a rule or a limit. */
  push(data: Buffer): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.current) pos = this.readPayload(data, pos, this.current);
      else pos = this.readHeader(data, pos);
    }
  }

  private readHeader(data: Buffer, pos: number): number {
    while (pos < data.length) {
      this.header[this.headerBytes++] = data[pos++]!;
      const needed = this.headerSize();
      if (needed !== null && this.headerBytes >= needed) {
        this.headerBytes = 0;
        this.startChunk();
        break;
      }
    }
    return pos;
  }

  /** Size of the chunk header being read, once the bytes so far tell (null until then). */
  private headerSize(): number | null {
    const h = this.header;
    const low = h[0]! & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    const fmt = h[0]! >> 6;
    const size = basic + MESSAGE_HEADER_SIZE[fmt as 0 | 1 | 2 | 3];
    if (this.headerBytes < size) return null;
    const extended = fmt === 3 ? (this.streams.get(this.chunkStreamId())?.extended ?? false) : h.readUIntBE(basic, 3) === EXTENDED;
    return size + (extended ? 4 : 0);
  }

  private chunkStreamId(): number {
    const h = this.header;
    const low = h[0]! & 0x3f;
    if (low === 0) return 64 + h[1]!;
    if (low === 1) return 64 + h[1]! + h[2]! * 256;
    return low;
  }

  private startChunk(): void {
    const h = this.header;
    const fmt = h[0]! >> 6;
    const low = h[0]! & 0x3f;
    let o = low === 0 ? 2 : low === 1 ? 3 : 1;
    const stream = this.chunkStream(this.chunkStreamId());
    if (fmt < 3 && stream.received > 0) this.dropMessage(stream); // a new header abandons the unfinished message
    if (fmt < 3) {
      stream.timestampField = h.readUIntBE(o, 3);
      stream.extended = stream.timestampField === EXTENDED;
      o += 3;
    }
    if (fmt < 2) {
      stream.length = h.readUIntBE(o, 3);
      stream.type = h[o + 3]!;
      o += 4;
    }
    if (fmt === 0) {
      stream.streamId = h.readUInt32LE(o);
      o += 4;
    }
    if (stream.received === 0) {
      const delta = stream.extended ? h.readUInt32BE(o) : stream.timestampField;
      stream.clock = fmt === 0 ? delta : stream.clock + delta;
      if (stream.length > this.limits.maxAllocatedBytes) {
        throw new RtmpProtocolError(
          `RTMP message of ${stream.length} bytes on chunk stream ${stream.id} exceeds the limit of ${this.limits.maxAllocatedBytes} bytes`,
        );
      }
    }
    this.chunkLeft = Math.min(this.chunkSize - (stream.received % this.chunkSize), stream.length - stream.received);
    this.current = stream;
    if (this.chunkLeft === 0) this.finishChunk(stream, EMPTY);
  }

  private chunkStream(id: number): ChunkStream {
    let stream = this.streams.get(id);
    if (stream) return stream;
    if (this.streams.size >= this.limits.maxChunkStreams) {
      throw new RtmpProtocolError(`RTMP peer opened more than ${this.limits.maxChunkStreams} chunk streams`);
    }
    stream = { id, timestampField: 0, extended: false, clock: 0, length: 0, type: 0, streamId: 0, received: 0, buffer: EMPTY };
    this.streams.set(id, stream);
    return stream;
  }

  private readPayload(data: Buffer, pos: number, stream: ChunkStream): number {
    const n = Math.min(this.chunkLeft, data.length - pos);
    if (stream.received === 0 && n === stream.length) {
      // The whole message is in this read: hand over a view of it, no copy.
      this.chunkLeft = 0;
      this.finishChunk(stream, data.subarray(pos, pos + n));
      return pos + n;
    }
    this.reserve(stream, stream.received + n);
    data.copy(stream.buffer, stream.received, pos, pos + n);
    stream.received += n;
    this.chunkLeft -= n;
    if (this.chunkLeft === 0) this.finishChunk(stream, null);
    return pos + n;
  }

  /** Grows a chunk stream's buffer geometrically, never past its message's length or the connection's limit. */
  private reserve(stream: ChunkStream, needed: number): void {
    const old = stream.buffer;
    if (old.length >= needed) return;
    const size = Math.min(stream.length, Math.max(needed, old.length * 2, MIN_BUFFER));
    if (this.allocated - old.length + size > this.limits.maxAllocatedBytes) {
      throw new RtmpProtocolError(
        `RTMP peer has more than ${this.limits.maxAllocatedBytes} bytes of unfinished messages (chunk stream ${stream.id} needs ${size})`,
      );
    }
    const grown = Buffer.allocUnsafe(size);
    old.copy(grown, 0, 0, stream.received);
    stream.buffer = grown;
    this.allocated += size - old.length;
  }

  /** Ends the chunk being read; delivers the message when it was its last chunk. */
  private finishChunk(stream: ChunkStream, whole: Buffer | null): void {
    this.current = null;
    if (whole === null && stream.received < stream.length) return;
    const payload = whole ?? stream.buffer.subarray(0, stream.length);
    stream.received = 0;
    this.deliver({ chunkStream: stream.id, type: stream.type, streamId: stream.streamId, timestamp: stream.clock, payload });
  }

  private deliver(message: ChunkMessage): void {
    if (message.type === TYPE_SET_CHUNK_SIZE) return this.setChunkSize(message.payload);
    if (message.type === TYPE_ABORT) return this.abort(message.payload);
    this.onMessage(message);
  }

  private setChunkSize(payload: Buffer): void {
    if (payload.length < 4) throw new RtmpProtocolError("RTMP Set Chunk Size message is shorter than 4 bytes");
    const size = payload.readUInt32BE(0) & 0x7fffffff;
    if (size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
      throw new RtmpProtocolError(`RTMP chunk size ${size} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`);
    }
    this.chunkSize = size;
  }

  private abort(payload: Buffer): void {
    if (payload.length < 4) throw new RtmpProtocolError("RTMP Abort message is shorter than 4 bytes");
    const stream = this.streams.get(payload.readUInt32BE(0));
    if (stream) this.dropMessage(stream);
  }

  /** Forgets a chunk stream's unfinished message and gives its buffer back. */
  private dropMessage(stream: ChunkStream): void {
    stream.received = 0;
    this.allocated -= stream.buffer.length;
    stream.buffer = EMPTY;
  }
}
