import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ffmpegPath } from "../../src/media/binaries.js";
import { DEFAULT_GRACE_MS, spawnTracked, type ExitInfo, type TrackedProcess } from "./children.js";
import { freePort, waitForListening } from "./ports.js";

export { closedPort, releaseClosedPorts } from "./ports.js";

/**
 * A real RTMP server standing in for a platform ingest (Twitch, YouTube, ...): ffmpeg in RTMP
 * listen mode, copying whatever is published into an FLV file that tests then probe.
 *
 * ffmpeg 4.x listen-mode behaviour this relies on (measured, not assumed):
 * - It serves exactly ONE publish session and then exits 0 by itself when the publisher
 *   disconnects, with the FLV properly finalized. A relay that reconnects needs a new receiver
 *   (pass the old `port` to get one on the same address).
 * - It accepts ANY app and stream key: a mismatch only logs a warning. `publishedTo()` surfaces
 *   those warnings so a test can still assert the relay used the right key.
 * - With no publisher it waits forever (listen_timeout -1); SIGINT ends it at once (exit 1, no file).
 * - SIGINT mid-stream finalizes the FLV (trailer written) within ~1 s and exits 255.
 * - A video-only publish is buffered ~5 s while ffmpeg probes for the audio stream the FLV header
 *   announces; nothing is lost, the file just starts being written late.
 */

export interface ReceiverOptions {
  /** Directory for the recording (e.g. from makeTempDir). */
  dir: string;
  /** Recording file name without extension. Default "receiver". */
  name?: string;
  /** RTMP application name. Default "live". */
  app?: string;
  /** Expected stream key. Default: random, so a relay that sends the wrong key is detectable. */
  key?: string;
  /** Listen on this port (e.g. to bring a destination back after it went away). Default: a free port. */
  port?: number;
  /** How long to wait for ffmpeg to listen. Default 10 000 ms. */
  listenTimeoutMs?: number;
}

export interface RtmpReceiver {
  port: number;
  /** Destination URL without the key: rtmp://127.0.0.1:<port>/<app>. */
  url: string;
  app: string;
  key: string;
  /** The FLV being written. */
  file: string;
  process: TrackedProcess["process"];
  /** Resolves when ffmpeg exits: code 0 after a publisher disconnected normally. */
  exited: Promise<ExitInfo>;
  /**
   * Resolves when a publisher connected and ffmpeg finished probing its streams ("Input #0"),
   * i.e. shortly after the first packets (~5 s for a video-only stream). Rejects if the receiver
   * exits first.
   */
  connected: Promise<void>;
  /**
   * The app and key the publisher actually used, once connected; undefined before. ffmpeg accepts
   * any app/key, so this is how to assert the relay pushed to the right one.
   */
  publishedTo(): { app: string; key: string } | undefined;
  /** Ends the receiver (SIGINT so the FLV is finalized, SIGKILL after `graceMs`). No-op once exited. */
  stop(graceMs?: number): Promise<void>;
  /** ms from spawn until the port was listening (diagnostics). */
  listenAfterMs: number;
}

function receiverArgs(port: number, app: string, key: string, file: string): string[] {
  return [
    "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
    "-listen", "1",
    "-i", `rtmp://127.0.0.1:${port}/${app}/${key}`,
    "-map", "0",
    "-c", "copy",
    // Write each packet through at once: a receiver that is SIGKILLed mid-stream (a crash test)
    // still leaves a recording of everything it got.
    "-flush_packets", "1",
    "-f", "flv",
    "-y", file,
  ];
}

const BIND_ATTEMPTS = 4;

export async function startRtmpReceiver(options: ReceiverOptions): Promise<RtmpReceiver> {
  const app = options.app ?? "live";
  const key = options.key ?? `key${randomBytes(6).toString("hex")}`;
  const file = join(options.dir, `${options.name ?? "receiver"}.flv`);
  const timeoutMs = options.listenTimeoutMs ?? 10_000;

  let lastError = "";
  // A port from freePort() can be taken by a parallel suite before ffmpeg binds it; pick another.
  // A fixed port (a receiver restarted where it was) can still be held for a moment by the one before it; try again.
  for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
    const port = options.port ?? (await freePort());
    const started = Date.now();

    let resolveConnected!: () => void;
    let rejectConnected!: (err: Error) => void;
    const connected = new Promise<void>((resolve, reject) => {
      resolveConnected = resolve;
      rejectConnected = reject;
    });
    // Nobody is obliged to await `connected`; keep an unobserved rejection from failing the run.
    connected.catch(() => {});
    let seenApp: string | undefined;
    let seenKey: string | undefined;
    let isConnected = false;
    let pending = "";
    const onStderr = (chunk: string): void => {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? "";
      for (const line of lines) {
        // "[rtmp @ 0x..] App field don't match up: <sent> <-> <expected>"
        const appMismatch = /App field don't match up: (\S*) <-> /.exec(line);
        if (appMismatch) seenApp = appMismatch[1];
        // "[rtmp @ 0x..] Unexpected stream <sent>, expecting <expected>"
        const keyMismatch = /Unexpected stream (.*), expecting /.exec(line);
        if (keyMismatch) seenKey = keyMismatch[1];
        if (line.startsWith("Input #0")) {
          isConnected = true;
          resolveConnected();
        }
      }
    };

    const tracked = spawnTracked(ffmpegPath(), receiverArgs(port, app, key, file), { onStderr });
    void tracked.exited.then((info) =>
      rejectConnected(new Error(`RTMP receiver on port ${port} exited before a publisher connected\n${info.stderr}`)),
    );
    try {
      await waitForListening(port, timeoutMs, { pid: tracked.pid, abortOn: tracked.exited });
    } catch (err) {
      const info = await tracked.stop("SIGKILL", 0);
      lastError = `${(err as Error).message}\n${info.stderr}`;
      if (!/Address already in use/i.test(info.stderr)) break;
      if (options.port !== undefined) await new Promise((r) => setTimeout(r, 250 * attempt));
      continue;
    }

    const listenAfterMs = Date.now() - started;
    return {
      port,
      url: `rtmp://127.0.0.1:${port}/${app}`,
      app,
      key,
      file,
      process: tracked.process,
      exited: tracked.exited,
      connected,
      publishedTo: () => (isConnected ? { app: seenApp ?? app, key: seenKey ?? key } : undefined),
      stop: async (graceMs = DEFAULT_GRACE_MS) => {
        await tracked.stop("SIGINT", graceMs);
      },
      listenAfterMs,
    };
  }
  throw new Error(`startRtmpReceiver: ffmpeg never listened\n${lastError}`);
}
