ALTER TABLE `streams` ADD `backup_stream_key_hash` text;--> statement-breakpoint
ALTER TABLE `streams` ADD `backup_stream_key_enc` text;--> statement-breakpoint
CREATE UNIQUE INDEX `streams_backup_stream_key_hash_unique` ON `streams` (`backup_stream_key_hash`);