ALTER TABLE `api_keys` ADD `limits` text;--> statement-breakpoint
CREATE TABLE `grants` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`cube_id` text NOT NULL,
	`grantee_kind` text NOT NULL,
	`grantee_id` text NOT NULL,
	`permission` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `grants_cube` ON `grants` (`tenant_id`,`cube_id`);--> statement-breakpoint
CREATE INDEX `grants_grantee` ON `grants` (`tenant_id`,`grantee_kind`,`grantee_id`);
