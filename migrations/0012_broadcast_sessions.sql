CREATE TABLE `broadcast_session_minutes` (
	`session_id` text NOT NULL,
	`idx` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`session_id`, `idx`),
	FOREIGN KEY (`session_id`) REFERENCES `broadcast_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `broadcast_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`stream_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`bucket_sec` integer NOT NULL,
	`state` text NOT NULL,
	`report` text,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `broadcast_sessions_stream_idx` ON `broadcast_sessions` (`stream_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `broadcast_sessions_ended_idx` ON `broadcast_sessions` (`ended_at`);