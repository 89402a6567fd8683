CREATE TABLE `media` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`file_name` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`duration_sec` real NOT NULL,
	`container` text NOT NULL,
	`video` text NOT NULL,
	`audio` text,
	`created_at` integer NOT NULL
);
