// /v1/memories: add (direct or inferred), list, get, patch, delete, history, delete a scope.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { addMemoriesBody, deleteScopeQuery, jobSchema, listQuery, listResponse, locateQuery, memoryOut, memorySchema, patchMemoryBody } from "./schemas";
import { cubeIdempotency } from "./idempotency";
import { addMemories } from "../services/add-memories";
import { deleteMemoryFor, deleteScopeFor, editMemoryFor, listMemories, memoryHistory, memoryProvenance, readMemory } from "../services/memories";
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
  const { cube_id, outcome } = await addMemories(c.get("deps"), c.get("auth"), body, await cubeIdempotency(c, body));
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
  const page = await listMemories(c.get("deps"), c.get("auth"), c.req.valid("query"));
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
  return c.json(await deleteScopeFor(c.get("deps"), c.get("auth"), q, idem), 200);
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
  return c.json(memoryOut(await readMemory(c.get("deps"), c.get("auth"), id, c.req.valid("query"))), 200);
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
  return c.json(memoryOut(await editMemoryFor(c.get("deps"), c.get("auth"), id, c.req.valid("query"), body, idem)), 200);
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
  return c.json(await deleteMemoryFor(c.get("deps"), c.get("auth"), id, c.req.valid("query"), idem), 200);
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
  const versions = await memoryHistory(c.get("deps"), c.get("auth"), id, c.req.valid("query"));
  return c.json({ versions: versions.map((v) => ({ ...v, at: new Date(v.at).toISOString(), memory: memoryOut(v.memory) })) }, 200);
});

const provenance = defineRoute({
  method: "get",
  path: "/{id}/provenance",
  tags: ["memories"],
  scope: "memories:read",
  summary: "Check every version of a memory against its provenance signature (HMAC over tenant, cube, id, version, content hash and sources) and its own text",
  request: { params: idParam, query: locateQuery },
  responses: {
    200: jsonAnswer(
      z.object({
        id: z.string(),
        ok: z.boolean().describe("every version is signed, its signature is valid and its text still has the signed hash"),
        versions: z.array(
          z.object({
            version: z.number().int(),
            reason: z.string(),
            signed: z.boolean(),
            signature_valid: z.boolean(),
            content_matches: z.boolean().nullable().describe("null for a tombstone"),
          }),
        ),
      }),
    ),
  },
});
memories.openapi(provenance, async (c) => {
  const { id } = c.req.valid("param");
  return c.json(await memoryProvenance(c.get("deps"), c.get("auth"), id, c.req.valid("query")), 200);
});
