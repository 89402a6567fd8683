CREATE TABLE `destination_settings` (
	`destination_id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`destination_id`) REFERENCES `destinations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Hand-written: X's chat settings, until now in a table of their own, move into the generic store
-- (the keys are those src/destinations/x/settings.ts stores), so nobody loses a setting.
INSERT INTO `destination_settings` (`destination_id`, `settings`, `updated_at`)
	SELECT `destination_id`, json_object('postId', `post_id`, 'announceText', `announce_text`, 'broadcastId', `broadcast_id`), `updated_at`
	FROM `x_destination_chat`;
--> statement-breakpoint
DROP TABLE `x_destination_chat`;
