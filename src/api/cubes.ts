// /v1/cubes: create a cube explicitly, list the tenant's cubes, read one cube's state.
import { Hono } from "hono";
import { z } from "zod";
import { and, asc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { AppEnv } from "./app-env";
import { describeRoute } from "./openapi-registry";
import { jsonBody, queryParams } from "./validate";
import { requireScope } from "./middleware";
import { decodeCursor, encodeCursor } from "./cursor";
import { cubes as cubesTable } from "../db/schema";
import { cubeIdSchema, scopeIdSchema, USER_CUBE_PREFIX } from "../memory/cube-contract";
import { ApiError } from "../errors";
import { cubeStub, registerCube, resolveCube, unwrap } from "../services/cubes";
import { deleteCube } from "../services/cube-delete";
import { selectVectorIndex } from "../providers/select-vector-index";
import { newId } from "../lib/ids";

export const cubes = new Hono<AppEnv>();

const createCubeBody = z.strictObject({
  id: scopeIdSchema.refine((id) => !id.startsWith(USER_CUBE_PREFIX), `ids starting with ${USER_CUBE_PREFIX} are reserved for users' cubes`).optional(),
  name: z.string().min(1).max(200).optional(),
  owner_user_id: scopeIdSchema.optional(),
  owner_agent_id: scopeIdSchema.optional(),
});
const cubeSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  owner_user_id: z.string().nullable(),
  owner_agent_id: z.string().nullable(),
  created_at: z.string(),
});
const listCubesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(500).optional() });

function cubeOut(r: typeof cubesTable.$inferSelect) {
  return { id: r.id, name: r.name, owner_user_id: r.ownerUserId, owner_agent_id: r.ownerAgentId, created_at: new Date(r.createdAt).toISOString() };
}

describeRoute({ method: "post", path: "/v1/cubes", tag: "cubes", scope: "memories:write", summary: "Create a cube (id optional; created if absent, 200 if it already exists)", body: createCubeBody, response: cubeSchema, status: 201 });
cubes.post("/", async (c) => {
  requireScope(c, "memories:write");
  const body = await jsonBody(c, createCubeBody);
  const tenant = c.get("auth").tenant_id;
  const identity = { tenant_id: tenant, cube_id: body.id ?? newId("cube") };
  // The object binds itself to its identity (and refuses one it cannot hold) before D1 registers it.
  unwrap(await cubeStub(c.env, identity).stats(identity));
  const created = await registerCube(c.env, identity, { name: body.name, owner_user_id: body.owner_user_id, owner_agent_id: body.owner_agent_id });
  const row = await drizzle(c.env.DB).select().from(cubesTable).where(and(eq(cubesTable.tenantId, tenant), eq(cubesTable.id, identity.cube_id))).get();
  if (!row) throw new Error("cube registered but not found");
  return c.json(cubeOut(row), created ? 201 : 200);
});

describeRoute({ method: "get", path: "/v1/cubes", tag: "cubes", scope: "memories:read", summary: "List the tenant's cubes", query: listCubesQuery, response: z.object({ cubes: z.array(cubeSchema), next_cursor: z.string().nullable() }) });
cubes.get("/", async (c) => {
  requireScope(c, "memories:read");
  const q = queryParams(c, listCubesQuery);
  const after = q.cursor ? decodeCursor(q.cursor, z.object({ i: z.string() })).i : "";
  const rows = await drizzle(c.env.DB)
    .select()
    .from(cubesTable)
    .where(and(eq(cubesTable.tenantId, c.get("auth").tenant_id), gt(cubesTable.id, after)))
    .orderBy(asc(cubesTable.id))
    .limit(q.limit + 1)
    .all();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return c.json({ cubes: page.map(cubeOut), next_cursor: rows.length > q.limit && last ? encodeCursor({ i: last.id }) : null });
});

describeRoute({ method: "get", path: "/v1/cubes/{id}", tag: "cubes", scope: "memories:read", summary: "A cube's state: counts, schema version, outbox", response: z.record(z.string(), z.unknown()) });
/** A cube id from the path, checked like every other id. */
function cubeIdParam(raw: string): string {
  const parsed = cubeIdSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError("invalid_request", "invalid cube id", parsed.error.issues.map((i) => ({ path: "id", message: i.message })));
  return parsed.data;
}

cubes.get("/:id", async (c) => {
  requireScope(c, "memories:read");
  const identity = await resolveCube(c.env, c.get("auth").tenant_id, { cube_id: cubeIdParam(c.req.param("id")) });
  return c.json(unwrap(await cubeStub(c.env, identity).stats(identity)));
});

describeRoute({
  method: "delete",
  path: "/v1/cubes/{id}",
  tag: "cubes",
  scope: "memories:write",
  summary: "Delete a cube and everything in it: memories, versions, messages, jobs, entities, in the cube, the catalog and the vector index",
  response: z.object({ id: z.string(), deleted: z.boolean(), memories: z.number().int() }),
});
cubes.delete("/:id", async (c) => {
  requireScope(c, "memories:write");
  const identity = await resolveCube(c.env, c.get("auth").tenant_id, { cube_id: cubeIdParam(c.req.param("id")) });
  return c.json(await deleteCube({ env: c.env, vectorIndex: selectVectorIndex(c.env) }, identity));
});
