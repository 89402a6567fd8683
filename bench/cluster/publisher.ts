/**
 * A publisher that reconnects as OBS's automatic reconnect does: the looped clip (`-re -stream_loop -1 -c copy`),
 * started again `retryMs` after each exit until it is stopped. Each life is a fresh ffmpeg (a new RTMP connection
 * from the clip's start), so media produced while disconnected is never sent: it is lost, as from a live encoder.
 */
import { connect } from "node:net";
import { startPublisher, type Tracked } from "../lib/ffmpeg.js";
import { sleep, stop } from "../lib/proc.js";

export class ReconnectingPublisher {
  private current: Tracked | null = null;
  /** Bumped by every (re)connect and by stop(): a pending retry of an older generation does nothing. */
  private generation = 0;
  private stopped = false;
  /** ffmpeg processes started so far. */
  lives = 0;

  constructor(
    private readonly clip: string,
    private readonly url: string,
    private readonly retryMs: number,
    /** Probe the ingest before each ffmpeg; off behind the round-robin proxy, where a probe would take a turn. */
    private readonly probe: boolean,
  ) {}

  start(): void {
    this.stopped = false;
    this.launch(++this.generation);
  }

  /** Drops the current connection at once (SIGKILL, as a crashed link would) and connects again right away. */
  async reconnect(): Promise<void> {
    const gen = ++this.generation;
    const old = this.current;
    this.current = null;
    if (old) {
      old.proc.child.kill("SIGKILL");
      await old.proc.exited;
    }
    this.launch(gen);
  }

  /** Stops for good, gracefully (ffmpeg ends the stream, so Prism ends it and closes the outputs). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation += 1;
    if (this.current) await stop(this.current.proc, 5_000);
  }

  /** Connects when the ingest accepts TCP (probing every retryMs), and again retryMs after each exit. */
  private launch(gen: number): void {
    if (this.stopped || gen !== this.generation) return;
    void (this.probe ? accepts(this.url) : Promise.resolve(true)).then((up) => {
      if (this.stopped || gen !== this.generation) return;
      if (!up) return void sleep(this.retryMs).then(() => this.launch(gen));
      const life = startPublisher(this.clip, this.url);
      this.current = life;
      this.lives += 1;
      life.proc.child.once("exit", () => {
        if (this.current === life) this.current = null;
        void sleep(this.retryMs).then(() => this.launch(gen));
      });
    });
  }
}

/**
 * Whether the URL's host accepts a TCP connection now. The publisher probes before each ffmpeg, so a refused
 * reconnect costs a SYN, not an ffmpeg start (OBS's retries are as cheap): 4 ffmpeg processes starting every
 * 250 ms would slow the restarting Prism of the reference.
 */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
    socket.once("error", () => (socket.destroy(), resolve(false)));
    socket.once("connect", () => (socket.destroy(), resolve(true)));
  });
}
