// /v1/memories: add (direct or inferred), list, get, patch, delete, history, delete a scope.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { addMemoriesBody, deleteScopeQuery, jobSchema, listQuery, listResponse, locateQuery, memoryOut, memorySchema, patchMemoryBody } from "./schemas";
import { cubeIdempotency } from "./idempotency";
import { resolveCube, unwrap } from "../services/cubes";
import { addMemories } from "../services/add-memories";
import { editMemory, listMemories, locate } from "../services/memories";
import { jobOut } from "../services/jobs";

export const memories = routes();

const idParam = z.object({ id: z.string().min(1).max(200) });
const addResponse = z.object({
  memories: z.array(memorySchema).optional(),
  job: jobSchema.optional(),
  replayed: z.number().optional().describe("messages recognized as replays and not stored again"),
});

const add = defineRoute({
  method: "post",
  path: "/",
  tags: ["memories"],
  scope: "memories:write",
  summary: "Add memories: stored directly (infer false, 201) or extracted from messages by a job (202)",
  request: { body: jsonContent(addMemoriesBody) },
  responses: {
    201: jsonAnswer(addResponse, "Stored (infer false), or extracted at once (sync)"),
    202: jsonAnswer(addResponse, "A job was queued"),
    200: jsonAnswer(addResponse, "Every message was a replay: nothing stored"),
  },
});
memories.openapi(add, async (c) => {
  const body = c.req.valid("json");
  const { cube_id, outcome } = await addMemories(c.get("deps"), c.get("auth").tenant_id, body, await cubeIdempotency(c, body));
  const identity = { tenant_id: c.get("auth").tenant_id, cube_id };
  if (outcome.kind === "stored") return c.json({ memories: outcome.memories.map(memoryOut) }, 201);
  if (outcome.kind === "known") return c.json({ job: jobOut(identity, outcome.job), replayed: outcome.replayed }, outcome.all_replayed ? 200 : 202);
  if (outcome.memories) return c.json({ job: jobOut(identity, outcome.job), replayed: outcome.replayed, memories: outcome.memories.map(memoryOut) }, 201);
  return c.json({ job: jobOut(identity, outcome.job), replayed: outcome.replayed }, 202);
});

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["memories"],
  scope: "memories:read",
  summary: "List memories of a cube (user_id or cube_id), or tenant-wide from the catalog",
  request: { query: listQuery },
  responses: { 200: jsonAnswer(listResponse) },
});
memories.openapi(list, async (c) => {
  const page = await listMemories(c.get("deps"), c.get("auth").tenant_id, c.req.valid("query"));
  return c.json({ memories: page.memories.map(memoryOut), next_cursor: page.next_cursor }, 200);
});

const deleteScope = defineRoute({
  method: "delete",
  path: "/",
  tags: ["memories"],
  scope: "memories:write",
  summary: "Delete every memory of a scope (user_id, optionally narrowed by agent_id or session_id, or a cube)",
  request: { query: deleteScopeQuery },
  responses: { 200: jsonAnswer(z.object({ deleted: z.number() })) },
});
memories.openapi(deleteScope, async (c) => {
  const q = c.req.valid("query");
  const idem = await cubeIdempotency(c, q);
  const identity = await resolveCube(c.get("deps").registry, c.get("auth").tenant_id, q);
  const filter = { user_id: q.user_id, agent_id: q.agent_id, session_id: q.session_id };
  return c.json(unwrap(await c.get("deps").cube(identity).deleteScope(identity, filter, idem)), 200);
});

const get = defineRoute({
  method: "get",
  path: "/{id}",
  tags: ["memories"],
  scope: "memories:read",
  summary: "Get one memory",
  request: { params: idParam, query: locateQuery },
  responses: { 200: jsonAnswer(memorySchema) },
});
memories.openapi(get, async (c) => {
  const { id } = c.req.valid("param");
  const identity = await locate(c.get("deps"), c.get("auth").tenant_id, id, c.req.valid("query"));
  return c.json(memoryOut(unwrap(await c.get("deps").cube(identity).getMemory(identity, id))), 200);
});

const patch = defineRoute({
  method: "patch",
  path: "/{id}",
  tags: ["memories"],
  scope: "memories:write",
  summary: "Edit a memory: writes a new version (optionally only if at expected_version)",
  request: { params: idParam, query: locateQuery, body: jsonContent(patchMemoryBody) },
  responses: { 200: jsonAnswer(memorySchema) },
});
memories.openapi(patch, async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const idem = await cubeIdempotency(c, body);
  const identity = await locate(c.get("deps"), c.get("auth").tenant_id, id, c.req.valid("query"));
  return c.json(memoryOut(await editMemory(c.get("deps"), identity, id, body, idem)), 200);
});

const remove = defineRoute({
  method: "delete",
  path: "/{id}",
  tags: ["memories"],
  scope: "memories:write",
  summary: "Delete a memory (text and vector are erased; a tombstone remains)",
  request: { params: idParam, query: locateQuery },
  responses: { 200: jsonAnswer(z.object({ id: z.string(), deleted: z.boolean() })) },
});
memories.openapi(remove, async (c) => {
  const { id } = c.req.valid("param");
  const idem = await cubeIdempotency(c, { id });
  const identity = await locate(c.get("deps"), c.get("auth").tenant_id, id, c.req.valid("query"));
  return c.json(unwrap(await c.get("deps").cube(identity).deleteMemory(identity, id, idem)), 200);
});

const history = defineRoute({
  method: "get",
  path: "/{id}/history",
  tags: ["memories"],
  scope: "memories:read",
  summary: "All versions of a memory, oldest first",
  request: { params: idParam, query: locateQuery },
  responses: { 200: jsonAnswer(z.object({ versions: z.array(z.object({ version: z.number(), reason: z.string(), source: z.string().nullable(), at: z.string(), memory: memorySchema })) })) },
});
memories.openapi(history, async (c) => {
  const { id } = c.req.valid("param");
  const identity = await locate(c.get("deps"), c.get("auth").tenant_id, id, c.req.valid("query"));
  const versions = unwrap(await c.get("deps").cube(identity).history(identity, id));
  return c.json({ versions: versions.map((v) => ({ ...v, at: new Date(v.at).toISOString(), memory: memoryOut(v.memory) })) }, 200);
});
