CREATE TABLE `audit_entries` (
	`tenant_id` text NOT NULL,
	`chain` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`key_id` text,
	`request_id` text,
	`action` text NOT NULL,
	`target_ids` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `chain`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `audit_entries_at` ON `audit_entries` (`tenant_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_key` ON `audit_entries` (`tenant_id`,`key_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_entries_action` ON `audit_entries` (`tenant_id`,`action`,`at`);
