// /v1/keys: a tenant's own API keys (admin scope): create (shown once), list, revoke.
import { z } from "zod";
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SCOPES } from "./app-env";
import { VALID_KEY, defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { ApiError } from "../errors";
import type { Env } from "../env";
import { apiKeys } from "../db/schema";
import { generateApiKey, hashApiKey, parseLimits, parseScopes } from "../governance/keys";
import { keyLimitsSchema, limitsAllowScopes } from "../governance/access";
import { newId } from "../lib/ids";
import type { AuditActor } from "../governance/audit";
import { actorOf, recordTenantEvent } from "../services/audit";

export const createKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
  limits: keyLimitsSchema
    .optional()
    .describe("narrow the key to some cubes, users or agents (each given list must match); a limited key cannot hold the admin scope"),
});
const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  limits: keyLimitsSchema.nullable().describe("null: the key reaches every cube of its tenant"),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
export const keyCreatedSchema = keySchema.extend({
  key: z.string().nullable().describe("the secret, shown once; null when an Idempotency-Key retry replays the answer (it is never stored)"),
  tenant_id: z.string(),
});

/** A key-creation answer as an idempotency store may keep it: without the secret. */
export function redactKeySecret(body: Record<string, unknown>): Record<string, unknown> {
  return "key" in body ? { ...body, key: null } : body;
}

function keyOut(r: typeof apiKeys.$inferSelect) {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: parseScopes(r.scopes),
    limits: parseLimits(r.limits),
    created_at: new Date(r.createdAt).toISOString(),
    revoked_at: r.revokedAt === null ? null : new Date(r.revokedAt).toISOString(),
  };
}

/** Creates a key in the tenant and records it in the tenant's audit chain (actor: the creating key, or null for the operator). */
export async function createKey(env: Env, tenantId: string, body: z.infer<typeof createKeyBody>, actor: AuditActor | null) {
  const limits = body.limits ?? null;
  if (!limitsAllowScopes(limits, body.scopes)) throw new ApiError("invalid_request", "a key with limits cannot hold the admin scope");
  const key = generateApiKey();
  const { hash, prefix } = await hashApiKey(key);
  const row = {
    id: newId("key"),
    tenantId,
    name: body.name,
    hash,
    prefix,
    scopes: JSON.stringify([...new Set(body.scopes)]),
    limits: limits === null ? null : JSON.stringify(limits),
    createdAt: Date.now(),
    revokedAt: null,
    lastUsedAt: null,
  };
  // The key and its audit entry are stored together or not at all.
  const insert = drizzle(env.DB).insert(apiKeys).values(row).toSQL();
  await recordTenantEvent(env.DB, tenantId, actor, { action: "key.create", target_ids: [row.id] }, [env.DB.prepare(insert.sql).bind(...insert.params)]);
  return { ...keyOut(row), key, tenant_id: tenantId };
}

export const keys = routes();

const create = defineRoute({
  method: "post",
  path: "/",
  tags: ["keys"],
  scope: "admin",
  summary: "Create an API key in the caller's tenant (shown once)",
  request: { body: jsonContent(createKeyBody) },
  responses: { 201: jsonAnswer(keyCreatedSchema, "Created") },
});
keys.openapi(create, async (c) => c.json(await createKey(c.env, c.get("auth").tenant_id, c.req.valid("json"), actorOf(c.get("auth"))), 201));

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["keys"],
  scope: "admin",
  summary: "List the tenant's API keys (hashes and keys are never shown)",
  responses: { 200: jsonAnswer(z.object({ keys: z.array(keySchema) })) },
});
keys.openapi(list, async (c) => {
  const rows = await drizzle(c.env.DB).select().from(apiKeys).where(eq(apiKeys.tenantId, c.get("auth").tenant_id)).all();
  return c.json({ keys: rows.map(keyOut) }, 200);
});

const self = defineRoute({
  method: "get",
  path: "/self",
  tags: ["keys"],
  scope: VALID_KEY,
  summary: "The calling key: its tenant, scopes and limits (what a console shows or hides by); every valid key may ask",
  responses: { 200: jsonAnswer(z.object({ tenant_id: z.string(), key: keySchema })) },
});
keys.openapi(self, async (c) => {
  const auth = c.get("auth");
  const row = await drizzle(c.env.DB).select().from(apiKeys).where(and(eq(apiKeys.tenantId, auth.tenant_id), eq(apiKeys.id, auth.key_id))).get();
  // The key authenticated this request, so its row exists unless it was revoked and deleted in between.
  if (!row) throw new ApiError("not_found", "this key is no longer known");
  return c.json({ tenant_id: auth.tenant_id, key: keyOut(row) }, 200);
});

const revoke = defineRoute({
  method: "delete",
  path: "/{id}",
  tags: ["keys"],
  scope: "admin",
  summary: "Revoke an API key",
  request: { params: z.object({ id: z.string().min(1).max(200) }) },
  responses: { 200: jsonAnswer(keySchema) },
});
keys.openapi(revoke, async (c) => c.json(await revokeKey(c.env, c.get("auth").tenant_id, c.req.valid("param").id, actorOf(c.get("auth"))), 200));

/** Revokes a key of the tenant (once; revoking again answers the same record). */
export async function revokeKey(env: Env, tenant: string, id: string, actor: AuditActor | null) {
  const db = drizzle(env.DB);
  const where = and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenant));
  const row = await db.select().from(apiKeys).where(where).get();
  if (!row) throw new ApiError("not_found", `key ${id} not found`);
  if (row.revokedAt === null) {
    const update = db.update(apiKeys).set({ revokedAt: Date.now() }).where(and(where, isNull(apiKeys.revokedAt))).toSQL();
    await recordTenantEvent(env.DB, tenant, actor, { action: "key.revoke", target_ids: [id] }, [env.DB.prepare(update.sql).bind(...update.params)]);
  }
  const after = await db.select().from(apiKeys).where(where).get();
  return keyOut(after ?? row);
}
