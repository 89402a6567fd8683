CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`platform_user_id` text NOT NULL,
	`display_name` text NOT NULL,
	`scopes` text NOT NULL,
	`access_token_enc` text NOT NULL,
	`refresh_token_enc` text,
	`expires_at` integer,
	`status` text NOT NULL,
	`status_reason` text,
	`platform_data` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_platform_user_idx` ON `accounts` (`platform`,`platform_user_id`);--> statement-breakpoint
CREATE TABLE `oauth_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`code_verifier_enc` text,
	`redirect_uri` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `destinations` ADD `account_id` text;--> statement-breakpoint
ALTER TABLE `streams` ADD `title` text;--> statement-breakpoint
ALTER TABLE `streams` ADD `description` text;