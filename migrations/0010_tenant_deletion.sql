-- Set (epoch ms) by the first call of DELETE /v1/admin/tenants/{id}: from then on the tenant's keys fail authentication and admin writes for it are refused, while the deletion runs over several calls; NULL: a live tenant.
ALTER TABLE `tenants` ADD `deleting_at` integer;
