CREATE TABLE `data_keys` (
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`wrapped` text NOT NULL,
	`master_key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	PRIMARY KEY(`tenant_id`, `version`)
);
