CREATE TABLE `destinations` (
	`id` text PRIMARY KEY NOT NULL,
	`stream_id` text NOT NULL,
	`platform` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`stream_key_enc` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `destinations_stream_id_idx` ON `destinations` (`stream_id`);--> statement-breakpoint
CREATE TABLE `streams` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`stream_key_hash` text NOT NULL,
	`stream_key_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `streams_stream_key_hash_unique` ON `streams` (`stream_key_hash`);