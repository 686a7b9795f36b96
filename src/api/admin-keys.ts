// /v1/admin/tenants/{id}/data-keys: a tenant's data keys for encryption at rest (list, rotate, rewrap); mounted in the admin app, behind ADMIN_TOKEN.
import { z } from "zod";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, routes } from "./route";
import { ApiError } from "../errors";
import { tenants } from "../db/schema";
import { listDataKeys, rewrapDataKeys, rotateDataKey } from "../services/data-keys";
import { recordTenantEvent } from "../services/audit";

export const adminKeys = routes();

const params = z.object({ id: z.string().min(1).max(200) });

const dataKeyInfo = z.object({
  version: z.number().int(),
  master_key_id: z.string(),
  current: z.boolean(),
  created_at: z.string(),
  retired_at: z.string().nullable(),
});

/** The tenant's id; a write (`forWrite`) to a tenant whose deletion has started is a 409. */
async function tenantOf(c: Context<AppEnv>, id: string, forWrite = false): Promise<string> {
  const tenant = await drizzle(c.env.DB).select({ id: tenants.id, deletingAt: tenants.deletingAt }).from(tenants).where(eq(tenants.id, id)).get();
  if (!tenant) throw new ApiError("not_found", `tenant ${id} not found`);
  if (forWrite && tenant.deletingAt !== null) throw new ApiError("conflict", `tenant ${id} is being deleted: its data keys no longer change`);
  return tenant.id;
}

const list = defineRoute({
  method: "get",
  path: "/tenants/{id}/data-keys",
  tags: ["admin"],
  scope: "admin-token",
  summary: "A tenant's data key versions (never the keys): which master key wraps each, which one seals new writes",
  request: { params },
  responses: { 200: jsonAnswer(z.object({ master_key_id: z.string(), keys: z.array(dataKeyInfo) })) },
});
adminKeys.openapi(list, async (c) => c.json(await listDataKeys(c.env, await tenantOf(c, c.req.valid("param").id)), 200));

const rotate = defineRoute({
  method: "post",
  path: "/tenants/{id}/data-keys/rotate",
  tags: ["admin"],
  scope: "admin-token",
  summary: "Make a new data key version for the tenant's new writes; older versions still decrypt what they sealed",
  request: { params },
  responses: { 200: jsonAnswer(z.object({ version: z.number().int(), previous_version: z.number().int().nullable() })) },
});
adminKeys.openapi(rotate, async (c) => {
  const tenant = await tenantOf(c, c.req.valid("param").id, true);
  const rotated = await rotateDataKey(c.env, tenant);
  // The admin token is no key: the entry names the request only. Targets are versions, never key material.
  await recordTenantEvent(c.env.DB, tenant, { key_id: null, request_id: c.get("requestId") }, { action: "data_key.rotate", target_ids: [`data_key:${rotated.version}`] });
  return c.json(rotated, 200);
});

const rewrap = defineRoute({
  method: "post",
  path: "/tenants/{id}/data-keys/rewrap",
  tags: ["admin"],
  scope: "admin-token",
  summary: "Wrap every data key of the tenant under the current MASTER_KEY (unwrapping with MASTER_KEY_PREVIOUS); no ciphertext changes",
  request: { params },
  responses: { 200: jsonAnswer(z.object({ master_key_id: z.string(), rewrapped: z.number().int(), unchanged: z.number().int() })) },
});
adminKeys.openapi(rewrap, async (c) => {
  const tenant = await tenantOf(c, c.req.valid("param").id, true);
  const rewrapped = await rewrapDataKeys(c.env, tenant);
  await recordTenantEvent(c.env.DB, tenant, { key_id: null, request_id: c.get("requestId") }, { action: "data_key.rewrap", target_ids: [`master_key:${rewrapped.master_key_id}`] });
  return c.json(rewrapped, 200);
});
