-- A listing of a memory that expires expires with it (epoch ms; NULL: never): hub reads leave it out from then on, and an installed copy carries the same expiry.
ALTER TABLE `hub_listings` ADD `expires_at` integer;
