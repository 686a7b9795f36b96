-- The hub (issue 14): groups of a tenant's users and agents, listings of shared memories and skills, and installs of them.
CREATE TABLE `hub_groups` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_groups_name` ON `hub_groups` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `hub_group_members` (
	`tenant_id` text NOT NULL,
	`group_id` text NOT NULL,
	`member_kind` text NOT NULL,
	`member_id` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `group_id`, `member_kind`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `hub_group_members_member` ON `hub_group_members` (`tenant_id`,`member_kind`,`member_id`);--> statement-breakpoint
CREATE TABLE `hub_listings` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`source_cube_id` text NOT NULL,
	`source_id` text NOT NULL,
	`source_version` integer NOT NULL,
	`visibility` text NOT NULL,
	`group_id` text,
	`title` text NOT NULL,
	`content` text NOT NULL,
	`note` text,
	`status` text NOT NULL,
	`reason` text,
	`publisher_key_id` text NOT NULL,
	`publisher_user_id` text,
	`decided_by` text,
	`decided_at` integer,
	`embedder` text NOT NULL,
	`vector` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_listings_source` ON `hub_listings` (`tenant_id`,`kind`,`source_cube_id`,`source_id`);--> statement-breakpoint
CREATE INDEX `hub_listings_status` ON `hub_listings` (`tenant_id`,`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `hub_installs` (
	`tenant_id` text NOT NULL,
	`listing_id` text NOT NULL,
	`target_cube_id` text NOT NULL,
	`kind` text NOT NULL,
	`source_id` text NOT NULL,
	`installed_id` text NOT NULL,
	`installed_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `listing_id`, `target_cube_id`)
);
--> statement-breakpoint
CREATE INDEX `hub_installs_cube` ON `hub_installs` (`tenant_id`,`target_cube_id`);
