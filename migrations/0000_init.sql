CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`hash` text NOT NULL,
	`prefix` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `cubes` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text,
	`owner_user_id` text,
	`owner_agent_id` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`cube_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_tenant` ON `jobs` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `memories` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`cube_id` text NOT NULL,
	`user_id` text,
	`agent_id` text,
	`session_id` text,
	`text` text NOT NULL,
	`type` text NOT NULL,
	`tags` text NOT NULL,
	`entities` text NOT NULL,
	`metadata` text NOT NULL,
	`importance` real NOT NULL,
	`state` text NOT NULL,
	`version` integer NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`valid_from` integer NOT NULL,
	`valid_to` integer,
	`event_time` integer,
	`source_message_ids` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `memories_tenant_created` ON `memories` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `memories_tenant_cube` ON `memories` (`tenant_id`,`cube_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `memories_tenant_user` ON `memories` (`tenant_id`,`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
