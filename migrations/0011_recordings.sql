CREATE TABLE `clips` (
	`id` text PRIMARY KEY NOT NULL,
	`recording_id` text NOT NULL,
	`stream_id` text NOT NULL,
	`title` text,
	`requested_start_sec` real NOT NULL,
	`start_sec` real NOT NULL,
	`end_sec` real NOT NULL,
	`duration_sec` real NOT NULL,
	`precise` integer NOT NULL,
	`file` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `clips_recording_idx` ON `clips` (`recording_id`);--> statement-breakpoint
CREATE TABLE `recording_markers` (
	`id` text PRIMARY KEY NOT NULL,
	`recording_id` text NOT NULL,
	`at_sec` real NOT NULL,
	`label` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recording_markers_recording_idx` ON `recording_markers` (`recording_id`);--> statement-breakpoint
CREATE TABLE `recording_settings` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`include_slate` integer NOT NULL,
	`retain_days` real,
	`max_gb` real,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`stream_id` text NOT NULL,
	`session_id` text NOT NULL,
	`stream_name` text NOT NULL,
	`state` text NOT NULL,
	`note` text,
	`raw_file` text NOT NULL,
	`mp4_file` text,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`duration_sec` real,
	`size_bytes` integer DEFAULT 0 NOT NULL,
	`video_codec` text,
	`audio_codec` text,
	`width` integer,
	`height` integer,
	`include_slate` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recordings_session_id_unique` ON `recordings` (`session_id`);--> statement-breakpoint
CREATE INDEX `recordings_stream_started_idx` ON `recordings` (`stream_id`,`started_at`);