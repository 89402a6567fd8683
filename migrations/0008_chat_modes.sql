CREATE TABLE `chat_modes` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`slow_sec` integer,
	`min_follow_minutes` integer,
	`subscribers_only` integer NOT NULL,
	`emote_only` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
