// Deleting a whole tenant, a part per call: mark it, then its hub, cubes, stray vectors, D1 rows, keys and tenant row.
import { z } from "zod";
import { ApiError } from "../errors";
import type { VectorIndex } from "../memory/vectors/vector-index";
import { deleteCube } from "./cube-delete";
import { forgetDataKeys } from "./data-keys";
import type { Deps } from "./deps";
import { hubStore } from "./hub-store";

/** Cubes one call deletes when the caller names no limit, and the most it may name. */
export const TENANT_DELETE_LIMIT = { default: 20, max: 100 } as const;
/** Hub listings per page (their vectors go in one delete), and pages per call. */
const LISTING_PAGE = 1_000;
const LISTING_PAGES_PER_CALL = 20;
/** Rows one DELETE statement removes, and statements the row step runs per call. */
const ROW_CHUNK = 1_000;
const ROW_STATEMENTS_PER_CALL = 100;
/** Matches one sweep query answers at most (Vectorize's limit without values). */
const SWEEP_TOP_K = 100;

/**
 * Every D1 table that holds rows of a tenant in a `tenant_id` column, children before what they
 * hang off; `api_keys` and `tenants` go last, on their own. A new table with a tenant column
 * belongs here (test/tenant-delete.test.ts checks every such table of the migrated database).
 */
export const TENANT_TABLES = [
  "memories",
  "jobs",
  "grants",
  "webhook_deliveries",
  "webhook_subscriptions",
  "hub_installs",
  "hub_listings",
  "hub_group_members",
  "hub_groups",
  "audit_entries",
  "data_keys",
  "cubes",
] as const;

/** One call's answer (the route's response schema). */
export const tenantDeletionSchema = z.object({
  id: z.string(),
  deleted: z.boolean().describe("true only once nothing of the tenant is left and its row is gone: call again while false"),
  cubes_deleted: z.number().int(),
  cubes_left: z.number().int().describe("cubes still registered, to delete in the next calls"),
  vectors_deleted: z.number().int().describe("vector ids this call asked the index to delete (listings, memories of deleted cubes, the sweep)"),
  rows_deleted: z.number().int().describe("D1 rows this call removed itself (hub rows, the tenant-wide tables, keys, the tenant row)"),
});
export type TenantDeletion = z.infer<typeof tenantDeletionSchema>;

interface Progress {
  vectors: number;
  rows: number;
}

/**
 * Deletes the tenant, or the next part of it. The first call marks `deleting_at`, so its keys fail
 * authentication at once; then, in an order a retry resumes: hub listings (vectors, then rows),
 * at most `limit` cubes through `deleteCube`, and once no cube is left a sweep of the tenant's
 * namespace in the vector index, every tenant-wide D1 row, its API keys and its tenant row.
 * Throws not_found for a tenant that does not exist (a deletion already finished included).
 */
export async function deleteTenant(deps: Deps, db: D1Database, tenantId: string, limit: number): Promise<TenantDeletion> {
  await markDeleting(db, tenantId);
  // Cube deletions leave no tenant audit entry here: the tenant's whole chain goes with it.
  const { audit: _audit, ...quiet } = deps;
  const done: Progress = { vectors: 0, rows: 0 };
  const answer = (deleted: boolean, cubesDeleted: number, cubesLeft: number): TenantDeletion => ({
    id: tenantId,
    deleted,
    cubes_deleted: cubesDeleted,
    cubes_left: cubesLeft,
    vectors_deleted: done.vectors,
    rows_deleted: done.rows,
  });
  if (!(await removeHub(db, deps.vectorIndex, tenantId, done))) return answer(false, 0, await deps.registry.countAfter(tenantId, ""));
  const cubesDeleted = await removeCubes(quiet, tenantId, limit, done);
  const cubesLeft = await deps.registry.countAfter(tenantId, "");
  if (cubesLeft > 0) return answer(false, cubesDeleted, cubesLeft);
  if (deps.vectorIndex && !(await sweepVectors(deps.vectorIndex, deps.embedder.dimensions, tenantId, done))) return answer(false, cubesDeleted, 0);
  if (!(await removeRows(db, tenantId, done))) return answer(false, cubesDeleted, 0);
  await removeTenantRow(db, tenantId, done);
  forgetDataKeys(tenantId);
  return answer(true, cubesDeleted, 0);
}

/** Sets `deleting_at` on the first call (a later call keeps the first time); not_found without a tenant row. */
async function markDeleting(db: D1Database, tenantId: string): Promise<void> {
  const row = await db
    .prepare("UPDATE tenants SET deleting_at = COALESCE(deleting_at, ?) WHERE id = ? RETURNING deleting_at")
    .bind(Date.now(), tenantId)
    .first<{ deleting_at: number }>();
  if (!row) throw new ApiError("not_found", `tenant ${tenantId} not found`);
}

/** Hub listings a page at a time, each page's vectors before its rows, then every other hub row; false when pages are left for the next call. */
async function removeHub(db: D1Database, index: VectorIndex | null, tenantId: string, done: Progress): Promise<boolean> {
  const store = hubStore(db);
  for (let page = 0; page < LISTING_PAGES_PER_CALL; page++) {
    const ids = await store.tenantListingIds(tenantId, LISTING_PAGE);
    if (ids.length === 0) {
      done.rows += await store.removeTenant(tenantId);
      return true;
    }
    if (index) {
      await index.deleteByIds(ids);
      done.vectors += ids.length;
    }
    done.rows += await store.deleteListings(tenantId, ids);
  }
  return false;
}

/** Deletes up to `limit` of the tenant's registered cubes, one after another; the count it deleted. */
async function removeCubes(deps: Deps, tenantId: string, limit: number, done: Progress): Promise<number> {
  const cubes = await deps.registry.list(tenantId, "", limit);
  for (const cube of cubes) {
    const { memories } = await deleteCube(deps, { tenant_id: tenantId, cube_id: cube.id });
    if (deps.vectorIndex) done.vectors += memories;
  }
  return cubes.length;
}

/**
 * Deletes whatever vectors the index still answers for the tenant (its namespace, filtered by
 * tenant): strays no cube or listing named. True when the sweep saw fewer than a full page, so
 * nothing visible is left; false when a full page came back and the next call sweeps again.
 */
async function sweepVectors(index: VectorIndex, dimensions: number, tenantId: string, done: Progress): Promise<boolean> {
  const probe = new Array<number>(dimensions).fill(1 / Math.sqrt(dimensions));
  const matches = await index.query(probe, { topK: SWEEP_TOP_K, filter: { tenant_id: tenantId }, namespace: tenantId });
  const ids = matches.filter((m) => m.metadata.tenant_id === tenantId).map((m) => m.id);
  if (ids.length) await index.deleteByIds(ids);
  done.vectors += ids.length;
  return matches.length < SWEEP_TOP_K;
}

/** Runs a chunked delete until it removes less than a chunk; false when the call's statement budget ran out first. */
async function deleteInChunks(db: D1Database, sql: string, bind: string, done: Progress, budget: { left: number }): Promise<boolean> {
  while (budget.left > 0) {
    budget.left--;
    const r = await db.prepare(sql).bind(bind, ROW_CHUNK).run();
    const changes = r.meta.changes ?? 0;
    done.rows += changes;
    if (changes < ROW_CHUNK) return true;
  }
  return false;
}

/** Every tenant-wide D1 row, a chunk per statement, and the tenant's D1 idempotency keys; false when rows are left for the next call. */
async function removeRows(db: D1Database, tenantId: string, done: Progress): Promise<boolean> {
  const budget = { left: ROW_STATEMENTS_PER_CALL };
  for (const table of TENANT_TABLES) {
    const sql = `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE tenant_id = ? LIMIT ?)`;
    if (!(await deleteInChunks(db, sql, tenantId, done, budget))) return false;
  }
  const keys = "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE scope = ? LIMIT ?)";
  return deleteInChunks(db, keys, tenantId, done, budget);
}

/** Last: the API keys and the tenant row, in one batch (a key never outlives its tenant). */
async function removeTenantRow(db: D1Database, tenantId: string, done: Progress): Promise<void> {
  const results = await db.batch([db.prepare("DELETE FROM api_keys WHERE tenant_id = ?").bind(tenantId), db.prepare("DELETE FROM tenants WHERE id = ?").bind(tenantId)]);
  done.rows += results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}
