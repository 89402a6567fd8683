// Types for the parts of node-media-server 4.4 that Prism uses. The package ships plain JS with
// JSDoc; only src/relay/rtmp/nms.ts imports these modules, so an upgrade touches two files.

declare module "node-media-server/src/core/avpacket.js" {
  class AVPacket {
    codec_id: number;
    codec_type: number;
    duration: number;
    /** 0 audio sequence header, 1 audio frame, 2 video sequence header, 3 video keyframe, 4 video frame, 5 metadata */
    flags: number;
    pts: number;
    dts: number;
    size: number;
    offset: number;
    data: Buffer;
  }
  export = AVPacket;
}

declare module "node-media-server/src/protocol/rtmp.js" {
  import type AVPacket from "node-media-server/src/core/avpacket.js";

  namespace Rtmp {
    interface Header {
      fmt: number;
      cid: number;
      timestamp: number;
      length: number;
      type: number;
      stream_id: number;
    }
    interface ParserPacket {
      header: Header;
      clock: number;
      payload: Buffer;
      capacity: number;
      bytes: number;
    }
    interface ConnectRequest {
      app: string;
      name: string;
      host: string;
      query: Record<string, unknown>;
    }
    interface InvokeMessage {
      cmd?: string;
      transId?: number;
      cmdObj?: Record<string, unknown> | null;
      info?: unknown;
      streamName?: string;
      [field: string]: unknown;
    }
  }

  class Rtmp {
    handshakeState: number;
    inChunkSize: number;
    outChunkSize: number;
    ackSize?: number;
    streams: number;
    streamApp?: string;
    streamName?: string;
    streamId?: number;
    parserPacket: Rtmp.ParserPacket;
    onConnectCallback: (req: Rtmp.ConnectRequest) => void;
    onPlayCallback: () => void;
    onPushCallback: () => void;
    onPacketCallback: (packet: AVPacket) => void;
    onOutputCallback: (buffer: Buffer) => void;
    parserData(buffer: Buffer): string | null;
    chunkRead(data: Buffer, p: number, bytes: number): string | null;
    packetAlloc(): void;
    packetHandler(): void;
    invokeHandler(): void;
    controlHandler(): void;
    eventHandler(): void;
    dataHandler(): void;
    onConnect(message: Rtmp.InvokeMessage): void;
    onPublish(message: Rtmp.InvokeMessage): void;
    onPlay(message: Rtmp.InvokeMessage): void;
    onDeleteStream(message: Rtmp.InvokeMessage): void;
    sendACK(size: number): void;
    sendWindowACK(size: number): void;
    setChunkSize(size: number): void;
    sendInvokeMessage(sid: number, opt: Record<string, unknown>): void;
    sendDataMessage(opt: Record<string, unknown>, sid: number): void;
    sendStatusMessage(sid: number, level: string, code: string, description: string): void;
  }
  export = Rtmp;
}

declare module "node-media-server/src/protocol/amf.js" {
  export function decodeAmf0Cmd(buffer: Buffer): Record<string, unknown> & { cmd?: string };
  export function encodeAmf0Cmd(opt: Record<string, unknown>): Buffer;
  export function decodeAmf0Data(buffer: Buffer): {
    cmd?: string;
    method?: string;
    dataObj?: Record<string, unknown> | null;
  };
  export function encodeAmf0Data(opt: Record<string, unknown>): Buffer;
}

declare module "node-media-server/src/protocol/flv.js" {
  import type AVPacket from "node-media-server/src/core/avpacket.js";
  class Flv {
    onPacketCallback: (packet: AVPacket) => void;
    parserData(buffer: Buffer): string | null;
    static parserTag(type: number, time: number, size: number, data: Buffer): AVPacket;
  }
  export = Flv;
}

declare module "node-media-server/src/protocol/sps_info.js" {
  export function parseH264Sps(sps: Buffer): { width: number; height: number } | null;
  export function parseH265Sps(sps: Buffer): { width: number; height: number } | null;
}

declare module "node-media-server/src/core/logger.js" {
  interface NmsLogger {
    level: string;
    log(message: string, logLevel?: string): void;
  }
  const logger: NmsLogger;
  export = logger;
}
