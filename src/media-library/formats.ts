import type { VideoFileInfo } from "../media/video-file.js";

const VIDEO_CODECS = new Set(["h264", "hevc"]);

/** The container as a file extension, or null when it is not one Prism plays (MP4/MOV, MKV, FLV). */
export function containerOf(formatName: string): "mp4" | "mkv" | "flv" | null {
  const names = formatName.split(",");
  if (names.includes("mp4") || names.includes("mov")) return "mp4";
  if (names.includes("matroska")) return "mkv";
  if (names.includes("flv")) return "flv";
  return null;
}

/** Why Prism cannot play this file as a live stream, in words; null when it can. */
export function unplayableReason(info: VideoFileInfo): string | null {
  if (!containerOf(info.formatName)) return `Its container is ${info.formatName || "unknown"}; upload an MP4, MOV, MKV or FLV file.`;
  if (!info.video) return "It has no video track; upload a video with H.264 or HEVC pictures.";
  if (!VIDEO_CODECS.has(info.video.codec)) return `Its video is ${info.video.codec}; Prism plays H.264 or HEVC (re-encode it, e.g. ffmpeg -c:v libx264).`;
  if (info.audio && info.audio.codec !== "aac") return `Its audio is ${info.audio.codec}; Prism plays AAC (re-encode it, e.g. ffmpeg -c:a aac).`;
  if (!(info.durationSec > 0)) return "ffprobe finds no duration in it; the file may be cut short or damaged.";
  return null;
}
