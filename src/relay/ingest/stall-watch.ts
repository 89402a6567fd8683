import type { MediaPacket } from "../media.js";

export interface StallHandlers {
  /** The publisher has sent no media for the stall time although its connection is open. */
  stalled(): void;
  /** Media again after a stall, on the same connection. */
  resumed(): void;
}

/**
 * Notices a publisher that is connected but silent (a frozen encoder, a suspended process: TCP
 * stays open, nothing arrives). Watched is video, or audio for an audio-only stream; codec
 * headers alone do not count.
 */
export class StallWatch {
  private lastVideoAt: number | null = null;
  private lastAudioAt: number | null = null;
  private stalledSince: number | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stallMs: number,
    private readonly handlers: StallHandlers,
  ) {
    // Checked often enough that the slate starts well within a second of the stall time.
    this.timer = setInterval(() => this.check(), Math.max(50, Math.min(250, stallMs / 4)));
    this.timer.unref();
  }

  /** Call for every packet before the hub sees it, so a resume is known when its frames arrive. */
  media(packet: MediaPacket): void {
    if (packet.isHeader || packet.kind === "data") return;
    const now = Date.now();
    if (packet.kind === "video") this.lastVideoAt = now;
    else this.lastAudioAt = now;
    if (this.stalledSince !== null && this.lastMediaAt() === now) {
      this.stalledSince = null;
      this.handlers.resumed();
    }
  }

  get stalled(): boolean {
    return this.stalledSince !== null;
  }

  /** How long the publisher has been silent, while stalled; null otherwise. */
  silentForMs(): number | null {
    return this.stalledSince === null ? null : Date.now() - this.stalledSince;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private lastMediaAt(): number | null {
    return this.lastVideoAt ?? this.lastAudioAt;
  }

  private check(): void {
    const last = this.lastMediaAt();
    if (this.stalledSince !== null || last === null) return;
    if (Date.now() - last < this.stallMs) return;
    this.stalledSince = last;
    this.handlers.stalled();
  }
}
