import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log.js";
import { natsTransport } from "./nats-modules.js";
import { parseNatsUrl, type NatsEndpoint } from "./nats-url.js";

/**
 * Thrown for anything that needs another node while this node has no NATS connection. The API answers it with
 * 503: the node itself is fine and keeps relaying the streams it owns.
 */
export class ClusterUnavailableError extends Error {
  override readonly name = "ClusterUnavailableError";
}

export interface NatsLinkOptions {
  /** PRISM_NATS_URL. */
  url: string;
  /** This node's id: the connection's name in the server's monitoring pages. */
  nodeId: string;
  log?: Pick<Logger, "info" | "warn"> | undefined;
  /** How long the first connection may take before start-up gives up (default 5 s). */
  connectTimeoutMs?: number;
  /** Pause between reconnection attempts (default 500 ms, plus up to 100 ms of jitter). */
  reconnectWaitMs?: number;
  /**
   * Client pings: a server that vanished without closing the socket (a cut cable, a frozen VM) counts as down
   * after about pingIntervalMs × 3 (default 5 s, so ~15 s).
   */
  pingIntervalMs?: number;
}

type Listener = (up: boolean) => void;

/**
 * This node's connection to NATS: connected once at start (refused start-up with a clear message when the
 * server cannot be reached or has no JetStream), then reconnected forever, with an up/down state that the rest
 * of the cluster code reads before it asks another node for anything.
 */
export class NatsLink {
  private up = true;
  private readonly listeners = new Set<Listener>();

  private constructor(
    readonly nc: NatsConnection,
    readonly endpoint: NatsEndpoint,
    private readonly log: NatsLinkOptions["log"],
  ) {
    void this.followStatus();
  }

  static async connect(options: NatsLinkOptions): Promise<NatsLink> {
    const endpoint = parseNatsUrl(options.url);
    let nc: NatsConnection;
    try {
      nc = await natsTransport().connect({
        servers: endpoint.servers,
        name: `prism-${options.nodeId}`,
        ...(endpoint.user !== undefined ? { user: endpoint.user, pass: endpoint.pass } : {}),
        ...(endpoint.token !== undefined ? { token: endpoint.token } : {}),
        ...(endpoint.tls ? { tls: {} } : {}),
        timeout: options.connectTimeoutMs ?? 5_000,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectWaitMs ?? 500,
        reconnectJitter: 100,
        pingInterval: options.pingIntervalMs ?? 5_000,
        maxPingOut: 2,
      });
    } catch (err) {
      throw new ClusterUnavailableError(`Cannot reach NATS at ${endpoint.display} (${(err as Error).message}): is nats-server running there with JetStream (-js)? (PRISM_NATS_URL)`);
    }
    if (!nc.info?.jetstream) {
      await nc.close();
      throw new ClusterUnavailableError(`NATS at ${endpoint.display} has no JetStream, which the cluster's leases need: start nats-server with -js (or "jetstream {}" in its configuration)`);
    }
    return new NatsLink(nc, endpoint, options.log);
  }

  isUp(): boolean {
    return this.up && !this.nc.isClosed();
  }

  /** Throws ClusterUnavailableError, naming `what` could not be done, while NATS is unreachable. */
  requireUp(what: string): void {
    if (!this.isUp()) throw new ClusterUnavailableError(`Cannot ${what}: this node has lost its connection to NATS (${this.endpoint.display}); it is reconnecting, try again shortly`);
  }

  /** The largest message the server takes (1 MiB unless it says otherwise). */
  maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** Calls `listener(up)` on every change; returns the way to stop. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the connection is in the state asked for (now, if it already is). */
  when(up: boolean): Promise<void> {
    if (this.isUp() === up) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.onChange((now) => {
        if (now !== up) return;
        stop();
        resolve();
      });
    });
  }

  /** Flushes what was published and closes; the link is down for good afterwards. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }

  private async followStatus(): Promise<void> {
    const closed = this.nc.closed().then(() => this.set(false));
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.log?.warn({ server: status.server }, "NATS connection lost; cross-node operations answer 503 until it is back");
        this.set(false);
      } else if (status.type === "reconnect") {
        this.log?.info({ server: status.server }, "NATS connection back");
        this.set(true);
      }
    }
    await closed;
  }

  private set(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const listener of [...this.listeners]) listener(up);
  }
}
