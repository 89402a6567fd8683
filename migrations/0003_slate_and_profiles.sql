ALTER TABLE `destinations` ADD `profile` text;--> statement-breakpoint
ALTER TABLE `streams` ADD `slate_enabled` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `streams` ADD `slate_max_seconds` integer DEFAULT 300 NOT NULL;--> statement-breakpoint
ALTER TABLE `streams` ADD `slate_image` text;