// /mem0: the Mem0 platform routes that `mem0ai`'s MemoryClient calls, translated onto the same services as /v1.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppEnv, Scope } from "../../api/app-env";
import { authenticateWith } from "../../api/middleware";
import { assertScope } from "../../api/route";
import { addMemoriesBody, searchBody } from "../../api/schemas";
import { wellFormedJson } from "../../api/validate";
import { ApiError } from "../../errors";
import { LIMITS, USER_CUBE_PREFIX } from "../../memory/cube-contract";
import type { JobRecord } from "../../memory/cube-contract";
import { addMemories } from "../../services/add-memories";
import { deleteCube } from "../../services/cube-delete";
import { unwrap } from "../../services/cubes";
import { reachableCubes, targetCubeId, userCubeId } from "../../services/access";
import { readJob } from "../../services/jobs";
import { ownCube } from "../../services/cube-registry";
import { deleteMemoryFor, deleteScopeFor, editMemoryFor, listMemories, memoryHistory, readMemory } from "../../services/memories";
import { runSearch } from "../../services/search";
import { entityScope, historyEntry, parseFilters, toMem0, type Mem0Scope } from "./shape";

/** The largest request body read, as the /v1 routes' limit. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The key of `Authorization: Token <key>` (Mem0's scheme), or of `Bearer <key>`. */
function tokenOrBearer(c: Context): string | null {
  const m = c.req.header("authorization")?.match(/^(?:Token|Bearer)\s+(\S+)\s*$/i);
  return m?.[1] ?? null;
}

export const mem0 = new Hono<AppEnv>();

mem0.use(
  "*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("payload_too_large", `request body is larger than ${MAX_BODY_BYTES} bytes`);
    },
  }),
);
mem0.use("*", wellFormedJson);
mem0.use("*", authenticateWith(tokenOrBearer));

/** Mem0's paths end with a slash; the same path without it answers too. */
const at = (path: string) => [path, path.slice(0, -1)];

type Ctx = Context<AppEnv>;

/** The caller's tenant, once its key holds the scope. */
function tenantWith(c: Ctx, scope: Scope): string {
  assertScope(c, scope);
  return c.get("auth").tenant_id;
}

async function jsonBody<S extends z.ZodType>(c: Ctx, schema: S): Promise<z.infer<S>> {
  const raw: unknown = await c.req.json().catch(() => {
    throw new ApiError("invalid_request", "request body must be JSON");
  });
  return validated(schema, raw, "request body does not match the schema");
}

function validated<S extends z.ZodType>(schema: S, raw: unknown, message: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError("invalid_request", message, parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  return parsed.data;
}

/** A path parameter of the route (Hono types those of a list of paths as optional). */
function param(c: Ctx, name: string): string {
  const v = c.req.param(name);
  if (v === undefined || v.length === 0 || v.length > 200) throw new ApiError("invalid_request", `path parameter ${name} is invalid`);
  return v;
}

/** Whether a user named by a read has no cube yet: Mem0 answers such a read with nothing, not 404. */
async function unknownUser(c: Ctx, tenant: string, scope: Mem0Scope): Promise<boolean> {
  return scope.user_id !== undefined && !(await c.get("deps").registry.exists({ tenant_id: tenant, cube_id: userCubeId(scope.user_id) }));
}

function requireUser(scope: Mem0Scope, what: string): string {
  if (scope.user_id === undefined) throw new ApiError("invalid_request", `${what} needs a user_id: memories live in a user's cube here`);
  return scope.user_id;
}

const STATUS: Record<JobRecord["state"], string> = { queued: "PENDING", running: "RUNNING", succeeded: "SUCCEEDED", failed: "FAILED" };

const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000).default(1),
  page_size: z.coerce.number().int().min(1).max(LIMITS.listLimit).default(100),
});

/** The URL of another page of this listing, or null. */
function pageUrl(c: Ctx, page: number, size: number): string {
  const url = new URL(c.req.url);
  url.searchParams.set("page", String(page));
  url.searchParams.set("page_size", String(size));
  return url.toString();
}

mem0.on("GET", at("/v1/ping/"), (c) => {
  return c.json({ status: "ok", message: "API key is valid", org_id: c.get("auth").tenant_id, project_id: null, user_email: null }, 200);
});

const message = z.object({ role: z.string(), content: z.unknown() });
const addBody = z.object({
  messages: z.union([z.string(), z.array(message).min(1)]),
  user_id: z.unknown().optional(),
  agent_id: z.unknown().optional(),
  run_id: z.unknown().optional(),
  app_id: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  infer: z.boolean().optional(),
  async_mode: z.boolean().optional(),
  timestamp: z.number().int().positive().optional(),
});

// Add: infer false stores each message as a memory; otherwise an extraction job is queued (its id is the event id),
// or run at once with async_mode false.
mem0.on("POST", at("/v3/memories/add/"), async (c) => {
  const tenant = tenantWith(c, "memories:write");
  const body = await jsonBody(c, addBody);
  const scope = entityScope(body);
  const user_id = requireUser(scope, "add");
  const list = typeof body.messages === "string" ? [{ role: "user", content: body.messages }] : body.messages;
  const timestamp = body.timestamp === undefined ? undefined : new Date(body.timestamp * 1000).toISOString();
  const messages = list.map((m, i) => {
    if (typeof m.content !== "string") throw new ApiError("invalid_request", `messages.${i}.content: only text content is supported here`);
    return { role: m.role, content: m.content, ...(timestamp ? { timestamp } : {}) };
  });
  const input = validated(
    addMemoriesBody,
    { user_id, agent_id: scope.agent_id, session_id: scope.session_id, messages, infer: body.infer ?? true, sync: body.async_mode === false, metadata: body.metadata ?? {} },
    "request body does not match the schema",
  );
  const { outcome } = await addMemories(c.get("deps"), c.get("auth"), input, undefined);
  const added = (ms: Parameters<typeof toMem0>[0][]) => ms.map((m) => ({ ...toMem0(m), event: "ADD" }));
  if (outcome.kind === "stored") return c.json({ results: added(outcome.memories), status: "SUCCEEDED" }, 200);
  if (outcome.kind === "job" && outcome.memories) return c.json({ results: added(outcome.memories), status: STATUS[outcome.job.state], event_id: outcome.job.id }, 200);
  return c.json({ results: [], status: STATUS[outcome.job.state], event_id: outcome.job.id, message: "Memory processing has been queued for background execution" }, 200);
});

// An add's event is its extraction job.
mem0.on("GET", at("/v1/event/:id/"), async (c) => {
  const tenant = tenantWith(c, "memories:read");
  const id = param(c, "id");
  const { job } = await readJob(c.get("deps"), c.get("auth"), id);
  return c.json(
    {
      id: job.id,
      event_type: "ADD",
      status: STATUS[job.state],
      payload: {},
      metadata: {},
      results: [],
      error: job.error,
      created_at: new Date(job.created_at).toISOString(),
      updated_at: new Date(job.updated_at).toISOString(),
    },
    200,
  );
});

const searchIn = z.object({
  query: z.string(),
  filters: z.unknown().optional(),
  top_k: z.number().int().min(1).max(LIMITS.topK).optional(),
  threshold: z.number().min(0).max(1).optional(),
  user_id: z.unknown().optional(),
  agent_id: z.unknown().optional(),
  run_id: z.unknown().optional(),
  app_id: z.unknown().optional(),
});

mem0.on("POST", at("/v3/memories/search/"), async (c) => {
  const tenant = tenantWith(c, "memories:read");
  const body = await jsonBody(c, searchIn);
  const scope = { ...entityScope(body), ...parseFilters(body.filters) };
  const time = scope.created_after !== undefined || scope.created_before !== undefined ? { time_range: { from: scope.created_after, to: scope.created_before } } : {};
  const input = validated(
    searchBody,
    { query: body.query, user_id: scope.user_id, agent_id: scope.agent_id, session_id: scope.session_id, top_k: body.top_k, threshold: body.threshold, ...time },
    "request body does not match the schema",
  );
  if (await unknownUser(c, tenant, scope)) return c.json({ results: [] }, 200);
  const out = await runSearch(c.get("deps"), c.get("auth"), input, false);
  return c.json({ results: out.results.map((r) => ({ ...toMem0(r.memory), score: r.score })) }, 200);
});

// Get all: Mem0's numbered pages walk this service's cursor pages.
mem0.on("POST", at("/v3/memories/"), async (c) => {
  const tenant = tenantWith(c, "memories:read");
  const { page, page_size } = validated(pageQuery, c.req.query(), "query parameters are invalid");
  const body = await jsonBody(c, z.object({ filters: z.unknown().optional() }));
  const scope = parseFilters(body.filters);
  if (await unknownUser(c, tenant, scope)) return c.json({ count: 0, next: null, previous: null, results: [] }, 200);
  let cursor: string | undefined;
  let results: ReturnType<typeof toMem0>[] = [];
  let more = false;
  for (let p = 1; p <= page; p++) {
    const got = await listMemories(c.get("deps"), c.get("auth"), { ...scope, limit: page_size, cursor });
    more = got.next_cursor !== null;
    results = p === page ? got.memories.map(toMem0) : [];
    if (got.next_cursor === null) {
      if (p < page) more = false;
      break;
    }
    cursor = got.next_cursor;
  }
  return c.json(
    {
      count: (page - 1) * page_size + results.length,
      next: more && results.length > 0 ? pageUrl(c, page + 1, page_size) : null,
      previous: page > 1 ? pageUrl(c, page - 1, page_size) : null,
      results,
    },
    200,
  );
});

mem0.on("GET", at("/v1/memories/:id/"), async (c) => {
  tenantWith(c, "memories:read");
  const id = param(c, "id");
  return c.json(toMem0(await readMemory(c.get("deps"), c.get("auth"), id, {})), 200);
});

const updateBody = z.object({
  text: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.unknown().optional(),
  expiration_date: z.unknown().optional(),
});

mem0.on("PUT", at("/v1/memories/:id/"), async (c) => {
  tenantWith(c, "memories:write");
  const id = param(c, "id");
  const body = await jsonBody(c, updateBody);
  if (body.timestamp !== undefined && body.timestamp !== null) throw new ApiError("invalid_request", "timestamp is not supported here");
  if (body.expiration_date !== undefined && body.expiration_date !== null) throw new ApiError("invalid_request", "expiration_date is not supported here");
  if (body.text === undefined && body.metadata === undefined) throw new ApiError("invalid_request", "give text or metadata");
  return c.json(toMem0(await editMemoryFor(c.get("deps"), c.get("auth"), id, {}, { text: body.text, metadata: body.metadata }, undefined)), 200);
});

mem0.on("DELETE", at("/v1/memories/:id/"), async (c) => {
  tenantWith(c, "memories:write");
  const id = param(c, "id");
  await deleteMemoryFor(c.get("deps"), c.get("auth"), id, {}, undefined);
  return c.json({ message: "Memory deleted successfully!" }, 200);
});

// Delete all: every memory of a user, optionally narrowed by agent_id or run_id.
mem0.on("DELETE", at("/v1/memories/"), async (c) => {
  const tenant = tenantWith(c, "memories:write");
  const scope = entityScope(c.req.query());
  const user_id = requireUser(scope, "delete all");
  const identity = { tenant_id: tenant, cube_id: userCubeId(user_id) };
  if (!(await c.get("deps").registry.exists(identity))) return c.json({ message: "Memories deleted successfully!", deleted: 0 }, 200);
  const { deleted } = await deleteScopeFor(c.get("deps"), c.get("auth"), { user_id, agent_id: scope.agent_id, session_id: scope.session_id }, undefined);
  return c.json({ message: "Memories deleted successfully!", deleted }, 200);
});

mem0.on("GET", at("/v1/memories/:id/history/"), async (c) => {
  tenantWith(c, "memories:read");
  const id = param(c, "id");
  const versions = await memoryHistory(c.get("deps"), c.get("auth"), id, {});
  return c.json(
    versions.map((v, i) => historyEntry(v, i > 0 ? (versions[i - 1]?.memory.text ?? null) : null)),
    200,
  );
});

/** How many cubes one entities listing reads from the registry at most. */
const MAX_CUBES_SCANNED = 10_000;

// Entities: the tenant's users (each a cube); agents and runs live inside users' cubes and are not listed.
mem0.on("GET", at("/v1/entities/"), async (c) => {
  const tenant = tenantWith(c, "memories:read");
  const { page, page_size } = validated(pageQuery, c.req.query(), "query parameters are invalid");
  const deps = c.get("deps");
  const wanted = page * page_size + 1;
  const users: Array<{ id: string; created_at: number }> = [];
  // A limited key lists only the users' cubes within its reach.
  const reach = await reachableCubes(deps, c.get("auth"), MAX_CUBES_SCANNED);
  const reachable = reach === null ? null : new Set(reach.map((r) => r.identity.cube_id));
  let after = "";
  for (let scanned = 0; users.length < wanted && scanned < MAX_CUBES_SCANNED; ) {
    const rows = await deps.registry.list(tenant, after, LIMITS.listLimit);
    for (const r of rows) if (r.id.startsWith(USER_CUBE_PREFIX) && (reachable === null || reachable.has(r.id))) users.push({ id: r.id, created_at: r.created_at });
    scanned += rows.length;
    const last = rows[rows.length - 1];
    if (!last || rows.length < LIMITS.listLimit) break;
    after = last.id;
  }
  const slice = users.slice((page - 1) * page_size, page * page_size);
  const results = await Promise.all(
    slice.map(async (u) => {
      const identity = { tenant_id: tenant, cube_id: u.id };
      const stats = unwrap(await deps.cube(identity).stats(identity));
      const at = new Date(u.created_at).toISOString();
      return { id: u.id, name: u.id.slice(USER_CUBE_PREFIX.length), type: "user", total_memories: stats.memories.active, owner: tenant, metadata: {}, created_at: at, updated_at: at };
    }),
  );
  return c.json(
    {
      count: (page - 1) * page_size + results.length,
      next: users.length > page * page_size ? pageUrl(c, page + 1, page_size) : null,
      previous: page > 1 ? pageUrl(c, page - 1, page_size) : null,
      results,
    },
    200,
  );
});

// Deleting a user deletes its cube and everything in it, as DELETE /v1/cubes/{id}.
mem0.on("DELETE", at("/v2/entities/:type/:name/"), async (c) => {
  tenantWith(c, "memories:write");
  const type = param(c, "type");
  if (type !== "user") throw new ApiError("invalid_request", `deleting a ${type} entity is not supported here: only users`);
  const { user_id } = entityScope({ user_id: param(c, "name") });
  const identity = await ownCube(c.get("deps"), c.get("auth"), targetCubeId({ user_id }));
  await deleteCube(c.get("deps"), identity);
  return c.json({ message: "Entity deleted successfully." }, 200);
});
