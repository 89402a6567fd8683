import type { Logger } from "pino";
import type { EncodedFrame } from "./media.js";
import type { StreamHub, HubReader } from "./hub.js";
import { RtmpPublishClient, type PublishTarget } from "./rtmp/publish-client.js";
import { OutputError, unresolvedTarget } from "./output-error.js";
import type { AddressPolicy } from "../net/address-policy.js";
import { backoffDelay, type BackoffPolicy } from "../core/backoff.js";
import { kbps, RateMeter } from "./rate.js";
import { DestinationTally, type DestinationTallyView } from "../core/destination-tally.js";

import type { OutputState } from "../core/output-state.js";

export type { OutputState };

export interface OutputTarget extends PublishTarget {
  id: string;
  name: string;
  /**
   * Where to push, asked again before every connection attempt (a platform API handing out the
   * current ingest and key, so a key rotated on the platform keeps working). Without it, `url` and
   * `streamKey` are used. It rejects with an OutputError: kind "rejected" fails the destination
   * (e.g. the linked account must be reconnected), any other kind is retried with backoff.
   */
  resolve?: () => Promise<PublishTarget>;
}

/** Live figures plus the counters of src/core/destination-tally.ts (their one definition). */
export interface OutputHealth extends DestinationTallyView {
  state: OutputState;
  bitrateKbps: number;
  bytesOut: number;
  fps: number;
  nextRetryAt: string | null;
  uptimeMs: number;
  queuedBytes: number;
}

export interface OutputOptions {
  connectTimeoutMs: number;
  /** Bytes waiting for a slow destination before it is cut and reconnected. */
  queueLimitBytes: number;
  backoff: BackoffPolicy;
  tlsCa?: string | undefined;
  /** PRISM_DESTINATION_ALLOW: the addresses destinations may connect to. */
  addressPolicy: AddressPolicy;
}

export interface OutputStateChange {
  state: OutputState;
  previous: OutputState;
  lastError: string | null;
  lastErrorAt: string | null;
  reconnects: number;
  attempt: number;
}

/**
 * One destination of a live stream: its own connection, queue and state machine
 * (idle → connecting → live → reconnecting → … → failed | stopped). It reads from the hub and never
 * makes the hub wait: while not live it skips frames, and a queue past its limit cuts only itself.
 */
export class DestinationOutput implements HubReader {
  private state: OutputState = "idle";
  private client: RtmpPublishClient | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private synced = false;
  private nextRetryAt: number | null = null;
  private readonly tally = new DestinationTally();
  /** Connection attempts started; a resolution that comes back for an older attempt is ignored. */
  private connectSeq = 0;
  private liveSince = 0;
  private bytesOut = 0;
  private readonly sent = new RateMeter();
  private readonly videoSent = new RateMeter();

  constructor(
    readonly target: OutputTarget,
    private readonly hub: StreamHub,
    private readonly options: OutputOptions,
    private readonly log: Logger,
    private readonly onStateChange: (change: OutputStateChange) => void,
  ) {}

  start(): void {
    if (this.state !== "idle") return;
    this.hub.attach(this);
    this.connect();
  }

  /** Ends the output for good (stream ended, destination disabled or removed). */
  stop(): void {
    if (this.state === "stopped") return;
    this.hub.detach(this);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.nextRetryAt = null;
    this.client?.close();
    this.client = null;
    this.setState("stopped");
  }

  frame(frame: EncodedFrame): void {
    if (this.state !== "live" || !this.client) return;
    if (!this.synced) {
      if (frame.isHeader) return this.send(frame);
      const syncPoint = this.hub.hasVideo ? frame.kind === "video" && frame.isKeyframe : frame.kind === "audio";
      if (!syncPoint) return;
      this.synced = true;
    }
    if (this.client.queuedBytes > this.options.queueLimitBytes) {
      const mb = (this.client.queuedBytes / 1024 / 1024).toFixed(1);
      this.client.destroy(new OutputError("slow", `The destination is not keeping up: ${mb} MB were waiting to be sent, so Prism dropped the connection and is reconnecting.`));
      return;
    }
    this.send(frame);
  }

  crashed(err: unknown): void {
    this.log.error({ err, destination: this.target.name }, "destination output crashed");
    const client = this.client;
    this.client = null; // detached first, so its close is not taken for a drop to reconnect from
    client?.destroy(new OutputError("protocol", "internal error"));
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.tally.failed("Prism hit an internal error on this destination; disable and re-enable it to retry.");
    this.setState("failed");
  }

  health(): OutputHealth {
    const sent = this.sent.perSecond();
    return {
      state: this.state,
      bitrateKbps: this.state === "live" ? kbps(sent.bytes) : 0,
      bytesOut: this.bytesOut,
      fps: this.state === "live" ? Math.round(this.videoSent.perSecond().count * 10) / 10 : 0,
      ...this.tally.view(this.state),
      nextRetryAt: this.nextRetryAt ? new Date(this.nextRetryAt).toISOString() : null,
      uptimeMs: this.state === "live" ? Date.now() - this.liveSince : 0,
      queuedBytes: this.client?.queuedBytes ?? 0,
    };
  }

  private connect(): void {
    this.retryTimer = null;
    this.nextRetryAt = null;
    if (this.state !== "reconnecting") this.setState("connecting");
    const attempt = ++this.connectSeq;
    const current = () => attempt === this.connectSeq && (this.state === "connecting" || this.state === "reconnecting");
    const where = this.target.resolve ? this.target.resolve() : Promise.resolve(this.target);
    where.then(
      (target) => {
        if (current()) this.open(target);
      },
      (err: unknown) => {
        if (current()) this.lost(unresolvedTarget(err));
      },
    );
  }

  private open(target: PublishTarget): void {
    const client = new RtmpPublishClient(target, { connectTimeoutMs: this.options.connectTimeoutMs, tlsCa: this.options.tlsCa, addressPolicy: this.options.addressPolicy });
    this.client = client;
    client.onClose = (err) => {
      if (this.client === client && err) this.lost(err);
    };
    client.connect().then(
      () => {
        if (this.client !== client) return;
        this.goLive();
      },
      (err: unknown) => {
        if (this.client !== client) return;
        client.onClose = () => {};
        this.lost(err instanceof OutputError ? err : new OutputError("protocol", String(err)));
      },
    );
  }

  private goLive(): void {
    const outageMs = this.tally.outageMs();
    const retries = this.tally.view(this.state).attempt;
    if (this.tally.live()) this.log.info({ destination: this.target.name, retries, outageMs }, "destination back after a drop");
    else if (retries > 0) this.log.info({ destination: this.target.name, retries }, "destination connected after retries");
    this.liveSince = Date.now();
    this.synced = false;
    // Codec headers first, then the current GOP from its keyframe: the destination can decode at once.
    for (const frame of this.hub.catchUp()) {
      if (!frame.isHeader) this.synced = true;
      this.send(frame);
    }
    // On the wire before the state change's subscribers (webhooks, sessions, metrics) run.
    this.client!.flush();
    this.setState("live");
  }

  private send(frame: EncodedFrame): void {
    // A pooled frame stays this output's until its socket has sent it (or dropped it on close).
    const lease = frame.lease;
    lease?.retain();
    this.client!.write(frame.chunks, lease?.release);
    this.bytesOut += frame.chunks.length;
    this.sent.add(frame.chunks.length);
    if (frame.kind === "video" && !frame.isHeader) this.videoSent.add(0);
  }

  private lost(err: OutputError): void {
    if (this.state === "stopped") return;
    this.client = null;
    if (err.kind === "rejected") {
      this.tally.failed(err.message);
      // The platform said no to this key: retrying would only hammer it and risk a ban.
      this.log.warn({ destination: this.target.name, reason: err.message }, "destination refused the stream or its address; not retrying");
      this.hub.detach(this);
      this.setState("failed");
      return;
    }
    const attempt = this.tally.dropped(err.message);
    const delay = backoffDelay(this.options.backoff, attempt - 1);
    this.nextRetryAt = Date.now() + delay;
    // One line when the trouble starts (state change); each further refused retry only at debug,
    // with its detail on one line: an outage of minutes must not flood the log.
    if (this.state !== "reconnecting") this.log.warn({ destination: this.target.name, reason: err.message, detail: oneLine(err.detail), retryInMs: delay }, "destination connection lost; reconnecting");
    else this.log.debug({ destination: this.target.name, reason: err.message, detail: oneLine(err.detail), retryInMs: delay, attempt }, "destination retry failed");
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private setState(state: OutputState): void {
    const previous = this.state;
    if (previous === state) return;
    this.state = state;
    const { lastError, lastErrorAt, reconnects, attempt } = this.tally.view(state);
    this.onStateChange({ state, previous, lastError, lastErrorAt, reconnects, attempt });
  }
}

const oneLine = (detail: unknown) => (typeof detail === "string" ? detail.replace(/\s*\n\s*/g, " | ") : detail);
