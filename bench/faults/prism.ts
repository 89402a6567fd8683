/**
 * Prism for the fault bench: like bench/relay/prism.ts (`node dist/main.js`, fresh data dir, API),
 * plus the stream's slate turned off, so that stopping the publisher ends the stream and every
 * output closes (the fault bench reads each destination's final bytesOut after that).
 */
import { launchPrism, type DestinationHealth, type PrismInstance, type StreamHealth } from "../relay/prism.js";

export interface FaultDestinationHealth extends DestinationHealth {
  attempt: number;
  nextRetryAt: string | null;
}

export interface FaultStreamHealth extends StreamHealth {
  ingestState: string;
  destinations: FaultDestinationHealth[];
}

export interface FaultPrism extends PrismInstance {
  /** Destination names in creation order: `names[i]` pushes to `ports[i]`. */
  names: string[];
  health(): Promise<FaultStreamHealth>;
}

/** Start Prism, create a stream (slate off) and one custom destination per receiver port, named by `names`. */
export async function startPrism(receiverPorts: number[], names: string[]): Promise<FaultPrism> {
  const { proc, call, cleanup } = await launchPrism("prism-bench-faults-");

  try {

    const stream = await call<{ id: string; ingestUrl: string; streamKey: string }>("POST", "/streams", { name: "bench-faults" }, 201);
    await call("PATCH", `/streams/${stream.id}`, { slate: { enabled: false } });
    for (const [i, port] of receiverPorts.entries()) {
      const name = names[i] ?? `r${i + 1}`;
      await call("POST", `/streams/${stream.id}/destinations`, { platform: "custom", name, url: `rtmp://127.0.0.1:${port}/app`, streamKey: "k" }, 201);
    }
    return {
      proc,
      streamId: stream.id,
      publishUrl: `${stream.ingestUrl}/${stream.streamKey}`,
      names,
      health: () => call<FaultStreamHealth>("GET", `/streams/${stream.id}/health`),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
