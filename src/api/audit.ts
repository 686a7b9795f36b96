// /v1/audit: the tenant's audit log (scope audit:read): query entries, verify the hash chains.
import { z } from "zod";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { decodeCursor, encodeCursor } from "./cursor";
import { ApiError } from "../errors";
import { AUDIT_ACTIONS, type AuditEntry, type ChainHead } from "../governance/audit";
import { cubeIdSchema, type CubeIdentity, type CubeResult } from "../memory/cube-contract";
import { cubeStub, unwrap } from "../services/cubes";
import { isChainName, listAudit, MAX_VERIFY_CHAINS, MAX_VERIFY_ENTRIES, MAX_VERIFY_TOTAL, verifyAudit } from "../services/audit";

export const audit = routes();

const chainSchema = z
  .string()
  .min(1)
  .max(300)
  .refine(isChainName, '"tenant", or a cube\'s chain: <cube id>#<start>')
  .describe('"tenant" (keys, tenants, grants, cube deletions, exports) or a cube\'s chain, `<cube id>#<start>` (its writes and reads; a cube deleted and made again has a new one)');
const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

const entrySchema = z.object({
  chain: z.string(),
  seq: z.number().int(),
  at: z.string().describe("ISO 8601"),
  at_ms: z.number().int().describe("the time as hashed: ms since the epoch"),
  key_id: z.string().nullable().describe("null: system work (jobs) or the operator"),
  request_id: z.string().nullable(),
  action: z.string(),
  target_ids: z.array(z.string()).describe("ids only (memories, keys, grants, cubes, jobs), never content"),
  prev_hash: z.string(),
  hash: z.string().describe("SHA-256 hex of JSON [chain, seq, at_ms, key_id, request_id, action, target_ids, prev_hash]"),
});

const entryOut = (e: AuditEntry) => ({ ...e, at: new Date(e.at).toISOString(), at_ms: e.at });

/** The audit log shows every cube of the tenant: a key limited to some cubes, users or agents is refused. */
function auditCaller(c: Context<AppEnv>) {
  const auth = c.get("auth");
  if (auth.limits !== null) throw new ApiError("forbidden", "a key with limits cannot read the audit log: it covers the whole tenant");
  return auth;
}

const listQuery = z.strictObject({
  chain: chainSchema.optional(),
  cube_id: cubeIdSchema.optional().describe("entries of every chain this cube id had"),
  action: z.enum(AUDIT_ACTIONS).optional(),
  key_id: z.string().min(1).max(200).optional(),
  target_id: z.string().min(1).max(300).optional().describe("entries naming this id (a memory, key, grant, cube or job)"),
  from: instant.optional().describe("ISO 8601, inclusive"),
  to: instant.optional().describe("ISO 8601, exclusive"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1_000).optional(),
});
const cursorSchema = z.object({ a: z.number().int(), c: z.string(), s: z.number().int() });

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["audit"],
  scope: "audit:read",
  summary: "Audit entries of the caller's tenant, newest first, filtered and paged (keys with limits are refused)",
  request: { query: listQuery },
  responses: { 200: jsonAnswer(z.object({ entries: z.array(entrySchema), next_cursor: z.string().nullable() })) },
});
audit.openapi(list, async (c) => {
  const who = auditCaller(c);
  const q = c.req.valid("query");
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw new ApiError("invalid_request", "from must be before to");
  const after = q.cursor ? decodeCursor(q.cursor, cursorSchema) : undefined;
  const page = await listAudit(c.env.DB, who.tenant_id, {
    chain: q.chain,
    cube_id: q.cube_id,
    action: q.action,
    key_id: q.key_id,
    target_id: q.target_id,
    from: q.from,
    to: q.to,
    after: after ? { at: after.a, chain: after.c, seq: after.s } : undefined,
    limit: q.limit,
  });
  const next = page.next ? encodeCursor({ a: page.next.at, c: page.next.chain, s: page.next.seq }) : null;
  return c.json({ entries: page.entries.map(entryOut), next_cursor: next }, 200);
});

const verdictSchema = z.object({
  chain: z.string(),
  ok: z.boolean(),
  entries: z.number().int(),
  first_bad_seq: z.number().int().optional().describe("the first entry that was changed, removed or reordered"),
  reason: z.enum(["changed", "removed", "reordered"]).optional(),
  truncated: z.boolean().optional().describe(`the chain is longer than ${MAX_VERIFY_ENTRIES} entries: only those were verified`),
});

/** The cube's own RPC for its audit head (beside the Worker's CubeRpc surface). */
type AuditHeadRpc = { auditHead(identity: CubeIdentity): Promise<CubeResult<(ChainHead & { chain: string }) | null>> };

const verify = defineRoute({
  method: "post",
  path: "/verify",
  tags: ["audit"],
  scope: "audit:read",
  summary: `Recompute the tenant's audit chains from the stored entries (one chain, or the first ${MAX_VERIFY_CHAINS} by name) and name the first entry changed, removed or reordered; reads only`,
  request: { body: jsonContent(z.strictObject({ chain: chainSchema.optional() })) },
  responses: { 200: jsonAnswer(z.object({ ok: z.boolean(), chains: z.array(verdictSchema), chains_left_out: z.number().int().describe(`chains not verified by this call: past the first ${MAX_VERIFY_CHAINS}, or after ${MAX_VERIFY_TOTAL} entries; name one with chain to verify it`) })) },
});
audit.openapi(verify, async (c) => {
  const who = auditCaller(c);
  const headOf = async (cubeId: string) => {
    const identity: CubeIdentity = { tenant_id: who.tenant_id, cube_id: cubeId };
    // Only a cube that exists is asked (a deleted one's head is in the tenant chain).
    if (!(await c.get("deps").registry.exists(identity))) return null;
    // The cube sends D1 what it lacks, then names its last entry there: a removed tail shows.
    const stub = cubeStub(c.env, identity) as unknown as AuditHeadRpc;
    return unwrap(await stub.auditHead(identity));
  };
  return c.json(await verifyAudit(c.env.DB, who.tenant_id, c.req.valid("json").chain, headOf), 200);
});
