import type { TestPrism } from "./prism.js";
import { startRtmpReceiver, type RtmpReceiver } from "./receiver.js";
import { makeTempDir } from "./tmp.js";

/** Colours of frames, for telling a file's picture (red) from OBS's (blue) in a recording. */
export const isRed = ([r, g, b]: number[]) => r! > 150 && g! < 80 && b! < 80;
export const isBlue = ([r, g, b]: number[]) => b! > 150 && r! < 80 && g! < 80;

/** A new stream with `count` real RTMP receivers as its destinations, and each destination's health. */
export async function streamWithReceivers(t: TestPrism, name: string, count = 1) {
  const dir = await makeTempDir("prism-receivers-");
  const { body: stream } = await t.api("POST", "/api/v1/streams", { name });
  const receivers: Array<RtmpReceiver & { destinationId: string }> = [];
  for (let i = 0; i < count; i++) {
    const receiver = await startRtmpReceiver({ dir, name: `receiver${i}` });
    const { body: destination } = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: `Receiver ${i}`, url: receiver.url, streamKey: receiver.key });
    receivers.push(Object.assign(receiver, { destinationId: destination.id as string }));
  }
  const health = async (destinationId = receivers[0]!.destinationId) =>
    (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((d: { id: string }) => d.id === destinationId);
  return { dir, stream, receivers, receiver: receivers[0]!, health };
}
