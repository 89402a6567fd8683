CREATE TABLE `scheduled_event_announcements` (
	`event_id` text NOT NULL,
	`account_id` text NOT NULL,
	`platform` text NOT NULL,
	`state` text NOT NULL,
	`external_id` text,
	`url` text,
	`message` text,
	`attempted_at` integer NOT NULL,
	PRIMARY KEY(`event_id`, `account_id`),
	FOREIGN KEY (`event_id`) REFERENCES `scheduled_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `scheduled_events` (
	`id` text PRIMARY KEY NOT NULL,
	`stream_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`source` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`soon_sent_at` integer,
	`started_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `scheduled_events_stream_idx` ON `scheduled_events` (`stream_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `scheduled_events_status_idx` ON `scheduled_events` (`status`);