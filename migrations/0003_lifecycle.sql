-- Lifecycle: when a memory expires (ms since the epoch; NULL never). The catalog's listings skip expired rows at
-- read time; no index, since every listing walks a tenant's created_at index and checks expiry on the rows it reads.
ALTER TABLE `memories` ADD `expires_at` integer;
