// /v1/memories: add (direct or inferred), list, get, patch, delete, history, delete a scope.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app-env";
import { describeRoute } from "./openapi-registry";
import { jsonBody, queryParams } from "./validate";
import { requireScope } from "./middleware";
import { encodeCursor, decodeCursor } from "./cursor";
import {
  addMemoriesBody,
  deleteScopeQuery,
  jobSchema,
  listQuery,
  listResponse,
  locateQuery,
  memoryOut,
  memorySchema,
  patchMemoryBody,
} from "./schemas";
import { ApiError } from "../errors";
import { cubeStub, resolveCube, resolveWriteTarget, unwrap } from "../services/cubes";
import { prepareMemories } from "../services/prepare";
import { listCatalog, locateMemory } from "../services/memory-catalog";
import { contentHash } from "../memory/text";
import { getEmbedder } from "../services/providers";
import { newId } from "../lib/ids";
import type { CubeIdentity } from "../memory/cube-contract";
import { cubeIdempotency } from "./idempotency";
import { jobOut, registerJob, unregisterJob } from "../services/jobs";
import { runSyncJob } from "../jobs/run-extract";

export const memories = new Hono<AppEnv>();

/** Finds the cube of a memory: from the query's hint, else from the tenant's catalog. */
async function locate(c: Context<AppEnv>, id: string): Promise<CubeIdentity> {
  const hint = queryParams(c, locateQuery);
  const tenant = c.get("auth").tenant_id;
  if (hint.cube_id !== undefined || hint.user_id !== undefined) return resolveCube(c.env, tenant, hint);
  const cubeId = await locateMemory(c.env, tenant, id);
  if (!cubeId) throw new ApiError("not_found", `memory ${id} not found`);
  return { tenant_id: tenant, cube_id: cubeId };
}

describeRoute({
  method: "post",
  path: "/v1/memories",
  tag: "memories",
  scope: "memories:write",
  summary: "Add memories: stored directly (infer false, 201) or extracted from messages by a job (202)",
  body: addMemoriesBody,
  response: z.object({ memories: z.array(memorySchema).optional(), job: jobSchema.optional(), replayed: z.number().optional().describe("messages recognized as replays and not stored again") }),
  status: 201,
});
memories.post("/", async (c) => {
  requireScope(c, "memories:write");
  const body = await jsonBody(c, addMemoriesBody);
  const idem = await cubeIdempotency(c, body);
  const target = await resolveWriteTarget(c.env, c.get("auth").tenant_id, body);
  const { identity } = target;
  const scope = { user_id: body.user_id ?? null, agent_id: body.agent_id ?? null, session_id: body.session_id ?? null };
  const now = Date.now();
  const messages = body.messages ?? [{ role: "user" as const, content: body.text as string, name: undefined, timestamp: undefined }];
  const cube = cubeStub(c.env, identity);

  if (!body.infer) {
    const drafts = messages.map((m) => ({
      ...scope,
      text: m.content,
      type: body.type ?? (body.messages ? "message" : "note"),
      tags: body.tags,
      entities: m.name ? [m.name] : [],
      metadata: body.messages ? { ...body.metadata, role: m.role, ...(m.name ? { name: m.name } : {}) } : body.metadata,
      importance: body.importance ?? 0.5,
      event_time: m.timestamp ? Date.parse(m.timestamp) : null,
      source_message_ids: [],
    }));
    const { items, embedder } = await prepareMemories(c.env, drafts);
    const result = unwrap(await cube.addMemories({ identity, embedder, items, idempotency: idem }));
    await target.register();
    return c.json({ memories: result.memories.map(memoryOut) }, 201);
  }

  const jobId = newId("job", now);
  await registerJob(c.env, identity, jobId);
  const added = await cube.addMessages({
    identity,
    job_id: jobId,
    mode: body.mode,
    options: { ...scope, tags: body.tags, metadata: body.metadata },
    messages: messages.map((m) => ({ ...scope, role: m.role, name: m.name ?? null, content: m.content, timestamp: m.timestamp ? Date.parse(m.timestamp) : now })),
    idempotency: idem,
  });
  if (!added.ok || added.value.job.id !== jobId) await unregisterJob(c.env, identity, jobId);
  const { job, replayed } = unwrap(added);
  await target.register();
  if (job.id !== jobId) {
    // An idempotent retry (the first answer again), or every message was a replay: nothing new was stored or queued.
    return c.json({ job: jobOut(identity, job), replayed }, replayed === messages.length ? 200 : 202);
  }
  const message = { kind: "extract" as const, job_id: job.id, identity };
  if (body.sync) {
    const done = await runSyncJob(c.env, message);
    const list = await Promise.all((done.result?.memory_ids ?? []).map(async (id) => unwrap(await cube.getMemory(identity, id))));
    return c.json({ job: jobOut(identity, done), replayed, memories: list.map(memoryOut) }, 201);
  }
  await c.env.JOBS.send(message);
  return c.json({ job: jobOut(identity, job), replayed }, 202);
});

describeRoute({
  method: "get",
  path: "/v1/memories",
  tag: "memories",
  scope: "memories:read",
  summary: "List memories of a cube (user_id or cube_id), or tenant-wide from the catalog",
  query: listQuery,
  response: listResponse,
});
memories.get("/", async (c) => {
  requireScope(c, "memories:read");
  const q = queryParams(c, listQuery);
  const tenant = c.get("auth").tenant_id;
  const created_after = q.created_after ? Date.parse(q.created_after) : undefined;
  const created_before = q.created_before ? Date.parse(q.created_before) : undefined;
  if (q.cube_id === undefined && q.user_id === undefined) {
    const after = q.cursor ? decodeCursor(q.cursor, z.object({ c: z.number(), i: z.string() })) : undefined;
    const { rows, last } = await listCatalog(c.env, tenant, { ...q, created_after, created_before, after });
    return c.json({ memories: rows.map(memoryOut), next_cursor: last ? encodeCursor(last) : null });
  }
  const after = q.cursor ? decodeCursor(q.cursor, z.object({ s: z.number().int() })) : undefined;
  const identity = await resolveCube(c.env, tenant, q);
  const page = unwrap(
    await cubeStub(c.env, identity).listMemories({
      identity,
      filter: {
        user_id: q.user_id,
        agent_id: q.agent_id,
        session_id: q.session_id,
        tags: q.tags,
        state: q.state,
        created_after,
        created_before,
      },
      limit: q.limit,
      after_seq: after?.s ?? null,
    }),
  );
  return c.json({ memories: page.memories.map(memoryOut), next_cursor: page.next_seq === null ? null : encodeCursor({ s: page.next_seq }) });
});

describeRoute({
  method: "delete",
  path: "/v1/memories",
  tag: "memories",
  scope: "memories:write",
  summary: "Delete every memory of a scope (user_id, optionally narrowed by agent_id or session_id, or a cube)",
  query: deleteScopeQuery,
  response: z.object({ deleted: z.number() }),
});
memories.delete("/", async (c) => {
  requireScope(c, "memories:write");
  const q = queryParams(c, deleteScopeQuery);
  const idem = await cubeIdempotency(c, q);
  const identity = await resolveCube(c.env, c.get("auth").tenant_id, q);
  const filter = { user_id: q.user_id, agent_id: q.agent_id, session_id: q.session_id };
  return c.json(unwrap(await cubeStub(c.env, identity).deleteScope(identity, filter, idem)));
});

describeRoute({ method: "get", path: "/v1/memories/{id}", tag: "memories", scope: "memories:read", summary: "Get one memory", query: locateQuery, response: memorySchema });
memories.get("/:id", async (c) => {
  requireScope(c, "memories:read");
  const id = c.req.param("id");
  const identity = await locate(c, id);
  return c.json(memoryOut(unwrap(await cubeStub(c.env, identity).getMemory(identity, id))));
});

describeRoute({
  method: "patch",
  path: "/v1/memories/{id}",
  tag: "memories",
  scope: "memories:write",
  summary: "Edit a memory: writes a new version (optionally only if at expected_version)",
  query: locateQuery,
  body: patchMemoryBody,
  response: memorySchema,
});
memories.patch("/:id", async (c) => {
  requireScope(c, "memories:write");
  const id = c.req.param("id");
  const body = await jsonBody(c, patchMemoryBody);
  const idem = await cubeIdempotency(c, body);
  const identity = await locate(c, id);
  const { expected_version, text, ...rest } = body;
  const patch: Record<string, unknown> = { ...rest };
  let embedderId = getEmbedder(c.env).id;
  if (text !== undefined) {
    const [vector] = await getEmbedder(c.env).embed([text]);
    Object.assign(patch, { text, hash: await contentHash(text), ...(vector ? { vector } : {}) });
    embedderId = getEmbedder(c.env).id;
  }
  const reason = body.state === "archived" ? "archive" : body.state === "active" ? "restore" : "edit";
  const updated = unwrap(
    await cubeStub(c.env, identity).updateMemory({ identity, id, expected_version: expected_version ?? null, patch, embedder: embedderId, reason, idempotency: idem }),
  );
  return c.json(memoryOut(updated));
});

describeRoute({ method: "delete", path: "/v1/memories/{id}", tag: "memories", scope: "memories:write", summary: "Delete a memory (text and vector are erased; a tombstone remains)", query: locateQuery, response: z.object({ id: z.string(), deleted: z.boolean() }) });
memories.delete("/:id", async (c) => {
  requireScope(c, "memories:write");
  const id = c.req.param("id");
  const idem = await cubeIdempotency(c, { id });
  const identity = await locate(c, id);
  return c.json(unwrap(await cubeStub(c.env, identity).deleteMemory(identity, id, idem)));
});

describeRoute({
  method: "get",
  path: "/v1/memories/{id}/history",
  tag: "memories",
  scope: "memories:read",
  summary: "All versions of a memory, oldest first",
  query: locateQuery,
  response: z.object({ versions: z.array(z.object({ version: z.number(), reason: z.string(), source: z.string().nullable(), at: z.string(), memory: memorySchema })) }),
});
memories.get("/:id/history", async (c) => {
  requireScope(c, "memories:read");
  const id = c.req.param("id");
  const identity = await locate(c, id);
  const versions = unwrap(await cubeStub(c.env, identity).history(identity, id));
  return c.json({ versions: versions.map((v) => ({ ...v, at: new Date(v.at).toISOString(), memory: memoryOut(v.memory) })) });
});
