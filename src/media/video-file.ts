// ffprobe and ffmpeg on uploaded video files: what a file holds, and playing it as a live publisher.
import { execFile } from "node:child_process";
import { fluentFfmpeg } from "./fluent.js";
import { ffmpegPath, ffprobePath } from "./binaries.js";

/** What ffprobe says about a video file; names are ffprobe's (format "mov,mp4,…", codec "h264"). */
export interface VideoFileInfo {
  formatName: string;
  durationSec: number;
  video: { codec: string; width: number; height: number; fps: number | null } | null;
  audio: { codec: string; sampleRate: number; channels: number } | null;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

const PROBE_TIMEOUT_MS = 30_000;

const rate = (fraction: string | undefined): number | null => {
  const [num, den] = (fraction ?? "").split("/").map(Number);
  return num && den ? Math.round((num / den) * 100) / 100 : null;
};

/**
 * ffprobe's reading of `file` (container and first video/audio stream); rejects with ffprobe's
 * own words when it cannot read it. Bounded in time: a hostile file cannot hold a request.
 */
export function probeVideoFile(file: string): Promise<VideoFileInfo> {
  const args = ["-v", "error", "-show_format", "-show_streams", "-of", "json", file];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath(), args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      // ffprobe names the file in its messages: the server's paths are not the uploader's business.
      if (err) return reject(new Error((String(stderr).trim().split("\n").pop() || err.message).split(file).join("the file")));
      try {
        const data = JSON.parse(stdout) as { format?: { format_name?: string; duration?: string }; streams?: ProbeStream[] };
        const streams = data.streams ?? [];
        const v = streams.find((s) => s.codec_type === "video");
        const a = streams.find((s) => s.codec_type === "audio");
        resolve({
          formatName: data.format?.format_name ?? "",
          durationSec: Number(data.format?.duration ?? 0) || 0,
          video: v ? { codec: v.codec_name ?? "unknown", width: v.width ?? 0, height: v.height ?? 0, fps: rate(v.avg_frame_rate) } : null,
          audio: a ? { codec: a.codec_name ?? "unknown", sampleRate: Number(a.sample_rate ?? 0), channels: a.channels ?? 0 } : null,
        });
      } catch {
        reject(new Error("ffprobe gave an answer that is not JSON"));
      }
    });
  });
}

export interface FilePublishOptions {
  file: string;
  /** rtmp://… of the ingest, stream key included. */
  url: string;
  /** Play it again and again (timestamps keep increasing) until stopped. */
  loop: boolean;
  /** Re-encode the pictures to H.264: FLV over RTMP (ffmpeg 4) carries no HEVC. */
  encodeVideo: boolean;
  /** Whether the file has an audio track to pass on. */
  audio: boolean;
}

export interface FilePublisher {
  /** Unpublishes cleanly (ffmpeg's SIGINT), SIGKILL if it lingers. */
  stop(): void;
}

/**
 * Publishes a video file in real time (-re) over RTMP, as OBS would: copied as it is when the
 * ingest can carry it. `exit` gets null after a complete run (the file's end), else the reason.
 */
export function publishVideoFile(options: FilePublishOptions, exit: (err: Error | null) => void): FilePublisher {
  const input = ["-hide_banner", "-nostats", "-re", ...(options.loop ? ["-stream_loop", "-1"] : [])];
  const video = options.encodeVideo
    ? ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p", "-g", "60", "-bf", "0"]
    : ["-c:v", "copy"];
  const command = fluentFfmpeg()()
    .setFfmpegPath(ffmpegPath())
    .input(options.file)
    .inputOptions(input)
    .outputOptions(["-loglevel", "error", "-map", "0:v:0", ...(options.audio ? ["-map", "0:a:0", "-c:a", "copy"] : []), ...video, "-flush_packets", "1"])
    .format("flv")
    .output(options.url);
  let stderr = "";
  let done = false;
  let stopping = false;
  let killTimer: NodeJS.Timeout | undefined;
  const finish = (err: Error | null) => {
    if (done) return;
    done = true;
    clearTimeout(killTimer);
    exit(err);
  };
  command
    .on("start", () => {
      if (stopping) command.kill("SIGINT");
    })
    // The URL carries the stream key: only ffmpeg's own error lines are kept, never its command line.
    .on("stderr", (line: string) => {
      stderr = `${stderr}\n${line}`.slice(-2000);
    })
    .on("error", (err: Error) => {
      const reason = stderr.trim().split("\n").pop() || err.message.split("\n")[0] || "ffmpeg failed";
      finish(new Error(reason.split(options.url).join("the ingest")));
    })
    .on("end", () => finish(null));
  command.run();
  return {
    stop() {
      if (stopping || done) return;
      stopping = true;
      command.kill("SIGINT");
      killTimer = setTimeout(() => command.kill("SIGKILL"), 5_000);
      killTimer.unref();
    },
  };
}
