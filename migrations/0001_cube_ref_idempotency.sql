CREATE TABLE `idempotency_keys` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`status` integer,
	`body` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created` ON `idempotency_keys` (`scope`,`created_at`);--> statement-breakpoint
ALTER TABLE `cubes` ADD `ref` text;--> statement-breakpoint
CREATE INDEX `cubes_ref` ON `cubes` (`tenant_id`,`ref`);