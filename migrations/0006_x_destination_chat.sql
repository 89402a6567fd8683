CREATE TABLE `x_destination_chat` (
	`destination_id` text PRIMARY KEY NOT NULL,
	`post_id` text,
	`announce_text` text,
	`broadcast_id` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`destination_id`) REFERENCES `destinations`(`id`) ON UPDATE no action ON DELETE cascade
);
