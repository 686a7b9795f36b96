-- A newer snapshot of an approved listing waits here (JSON: pending review, or rejected) while the approved one keeps serving; approving it replaces the served snapshot.
ALTER TABLE `hub_listings` ADD `pending_revision` text;
