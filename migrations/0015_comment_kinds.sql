ALTER TABLE `comments` ADD `kind` text DEFAULT 'message' NOT NULL;--> statement-breakpoint
ALTER TABLE `comments` ADD `amount_value` real;--> statement-breakpoint
ALTER TABLE `comments` ADD `amount_currency` text;