// /v1/admin: tenants and their keys, behind the ADMIN_TOKEN secret (refused when it is unset).
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { bearer } from "./middleware";
import { ApiError } from "../errors";
import { constantTimeEqual } from "../governance/crypto";
import { tenants } from "../db/schema";
import { newId } from "../lib/ids";
import { createKeyBody, createKey, keyCreatedSchema, redactKeySecret } from "./keys";
import { d1Idempotency } from "./idempotency";
import { adminKeys } from "./admin-keys";
import { recordTenantEvent } from "../services/audit";
import { deleteTenant, TENANT_DELETE_LIMIT, tenantDeletionSchema } from "../services/tenant-delete";
import { depsFromEnv } from "../services/deps";

export const admin = routes();

const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secret = c.env.ADMIN_TOKEN;
  // Fail closed: with no secret configured there is no admin access at all.
  if (!secret) throw new ApiError("forbidden", "admin routes are disabled: ADMIN_TOKEN is not configured");
  const given = bearer(c);
  if (!given || !(await constantTimeEqual(given, secret))) throw new ApiError("unauthorized", "invalid admin token");
  await next();
};
admin.use("*", adminAuth);
// A retried tenant or key creation gets the first answer; a new key's secret is never stored, so
// its replay carries the key's record with `key: null` (revoke it and make another if it was lost).
admin.use("*", d1Idempotency({ scope: () => "admin", redact: redactKeySecret }));

/** A tenant id as tenants are made: `tnt_` and up to 64 letters, digits or underscores. */
const tenantIdSchema = z.string().regex(/^tnt_[A-Za-z0-9_]{1,64}$/, "a tenant id: tnt_ and up to 64 letters, digits or _");
const createTenantBody = z.strictObject({ name: z.string().min(1).max(200), id: tenantIdSchema.optional() });
const tenantSchema = z.object({ id: z.string(), name: z.string(), created_at: z.string() });

const createTenant = defineRoute({
  method: "post",
  path: "/tenants",
  tags: ["admin"],
  scope: "admin-token",
  summary: "Create a tenant",
  request: { body: jsonContent(createTenantBody) },
  responses: { 201: jsonAnswer(tenantSchema, "Created") },
});
admin.openapi(createTenant, async (c) => {
  const body = c.req.valid("json");
  const row = { id: body.id ?? newId("tnt"), name: body.name, createdAt: Date.now() };
  const res = await drizzle(c.env.DB).insert(tenants).values(row).onConflictDoNothing().run();
  if (res.meta.changes === 0) throw new ApiError("conflict", `tenant ${row.id} already exists`);
  // The operator acts with the admin token, not a key: no key id.
  await recordTenantEvent(c.env.DB, row.id, { key_id: null, request_id: c.get("requestId") }, { action: "tenant.create", target_ids: [row.id] });
  return c.json({ id: row.id, name: row.name, created_at: new Date(row.createdAt).toISOString() }, 201);
});

const createTenantKey = defineRoute({
  method: "post",
  path: "/tenants/{id}/keys",
  tags: ["admin"],
  scope: "admin-token",
  summary: "Create an API key for a tenant (the key is shown once)",
  request: { params: z.object({ id: z.string().min(1).max(200) }), body: jsonContent(createKeyBody) },
  responses: { 201: jsonAnswer(keyCreatedSchema, "Created") },
});
admin.openapi(createTenantKey, async (c) => {
  const tenantId = c.req.valid("param").id;
  const tenant = await drizzle(c.env.DB).select().from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!tenant) throw new ApiError("not_found", `tenant ${tenantId} not found`);
  if (tenant.deletingAt !== null) throw new ApiError("conflict", `tenant ${tenantId} is being deleted: it gets no new keys`);
  return c.json(await createKey(c.env, tenantId, c.req.valid("json"), { key_id: null, request_id: c.get("requestId") }), 201);
});


const removeTenant = defineRoute({
  method: "delete",
  path: "/tenants/{id}",
  tags: ["admin"],
  scope: "admin-token",
  summary: "Delete a tenant and everything it holds, a part per call: call again while `deleted` is false",
  description:
    "The first call marks the tenant as deleting: its keys fail authentication and admin writes for it answer 409. Each call then deletes its hub listings, " +
    "up to `limit` cubes, and once no cube is left its remaining vectors, every D1 row, its keys and the tenant row. A tenant that does not exist (or is already gone) is a 404.",
  request: {
    params: z.object({ id: tenantIdSchema }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(TENANT_DELETE_LIMIT.max).default(TENANT_DELETE_LIMIT.default).describe("cubes this call deletes at most") }),
  },
  responses: { 200: jsonAnswer(tenantDeletionSchema) },
});
admin.openapi(removeTenant, async (c) => {
  const { id } = c.req.valid("param");
  const result = await deleteTenant(depsFromEnv(c.env), c.env.DB, id, c.req.valid("query").limit);
  // The tenant's audit chain goes with it, so the operator's trace is this log line (ids and counts only).
  console.log(JSON.stringify({ level: "info", message: "tenant deletion step", request_id: c.get("requestId"), ...result }));
  return c.json(result, 200);
});

// Data keys of encryption at rest (src/api/admin-keys.ts), behind the same token and idempotency.
admin.route("/", adminKeys);
