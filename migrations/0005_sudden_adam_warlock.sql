CREATE TABLE `chat_blocks` (
	`stream_id` text NOT NULL,
	`platform` text NOT NULL,
	`author_id` text NOT NULL,
	`author_name` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`stream_id`, `platform`, `author_id`),
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `chat_filters` (
	`id` text PRIMARY KEY NOT NULL,
	`stream_id` text NOT NULL,
	`kind` text NOT NULL,
	`pattern` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_filters_stream_idx` ON `chat_filters` (`stream_id`);--> statement-breakpoint
CREATE TABLE `comments` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`stream_id` text NOT NULL,
	`platform` text NOT NULL,
	`platform_message_id` text NOT NULL,
	`author_id` text NOT NULL,
	`author_name` text NOT NULL,
	`author_avatar_url` text,
	`author_color` text,
	`author_badges` text NOT NULL,
	`text` text NOT NULL,
	`emotes` text,
	`sent_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`flagged` text,
	`hidden` text,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `comments_id_unique` ON `comments` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `comments_platform_message_idx` ON `comments` (`stream_id`,`platform`,`platform_message_id`);--> statement-breakpoint
CREATE INDEX `comments_stream_seq_idx` ON `comments` (`stream_id`,`seq`);--> statement-breakpoint
CREATE INDEX `comments_author_idx` ON `comments` (`stream_id`,`platform`,`author_id`);--> statement-breakpoint
CREATE TABLE `overlay_tokens` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `overlay_tokens_token_hash_unique` ON `overlay_tokens` (`token_hash`);