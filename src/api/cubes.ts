// /v1/cubes: create a cube, list the tenant's cubes, read one cube's state, delete a cube.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { decodeCursor, encodeCursor } from "./cursor";
import { cubeIdSchema, scopeIdSchema, USER_CUBE_PREFIX } from "../memory/cube-contract";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";
import { createCube, listCubes, ownCube } from "../services/cube-registry";
import type { CubeRecord } from "../services/registry";
import { deleteCube } from "../services/cube-delete";

export const cubes = routes();

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
const cubeParams = z.object({ id: cubeIdSchema });

const cubeOut = (r: CubeRecord) => ({ ...r, created_at: new Date(r.created_at).toISOString() });

const create = defineRoute({
  method: "post",
  path: "/",
  tags: ["cubes"],
  scope: "memories:write",
  summary: "Create a cube (id optional; created if absent, 200 if it already exists)",
  request: { body: jsonContent(createCubeBody) },
  responses: { 201: jsonAnswer(cubeSchema, "Created"), 200: jsonAnswer(cubeSchema, "Already existed") },
});
cubes.openapi(create, async (c) => {
  const { cube, created } = await createCube(c.get("deps"), c.get("auth"), c.req.valid("json"));
  return created ? c.json(cubeOut(cube), 201) : c.json(cubeOut(cube), 200);
});

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["cubes"],
  scope: "memories:read",
  summary: "List the tenant's cubes",
  request: { query: listCubesQuery },
  responses: { 200: jsonAnswer(z.object({ cubes: z.array(cubeSchema), next_cursor: z.string().nullable() })) },
});
cubes.openapi(list, async (c) => {
  const q = c.req.valid("query");
  const after = q.cursor ? decodeCursor(q.cursor, z.object({ i: z.string() })).i : "";
  const page = await listCubes(c.get("deps"), c.get("auth"), q.limit, after);
  return c.json({ cubes: page.cubes.map(cubeOut), next_cursor: page.last === null ? null : encodeCursor({ i: page.last }) }, 200);
});

const stats = defineRoute({
  method: "get",
  path: "/{id}",
  tags: ["cubes"],
  scope: "memories:read",
  summary: "A cube's state: counts, schema version, outbox",
  request: { params: cubeParams },
  responses: { 200: jsonAnswer(z.record(z.string(), z.unknown())) },
});
cubes.openapi(stats, async (c) => {
  const { identity } = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "read");
  return c.json(unwrap(await c.get("deps").cube(identity).stats(identity)), 200);
});

const remove = defineRoute({
  method: "delete",
  path: "/{id}",
  tags: ["cubes"],
  scope: "memories:write",
  summary: "Delete a cube and everything in it: memories, versions, messages, jobs, entities, in the cube, the catalog and the vector index",
  request: { params: cubeParams },
  responses: { 200: jsonAnswer(z.object({ id: z.string(), deleted: z.boolean(), memories: z.number().int() })) },
});
cubes.openapi(remove, async (c) => {
  const identity = await ownCube(c.get("deps"), c.get("auth"), c.req.valid("param").id);
  return c.json(await deleteCube(c.get("deps"), identity), 200);
});
