// Lifecycle routes: a cube's policy and task state (/v1/cubes/:id/lifecycle), archive and restore of one memory.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { locateQuery, memoryOut, memorySchema } from "./schemas";
import { cubeIdempotency } from "./idempotency";
import { ApiError } from "../errors";
import { cubeIdSchema } from "../memory/cube-contract";
import { lifecyclePolicySchema, type LifecyclePolicy, type LifecycleRun } from "../memory/lifecycle";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";
import { editMemory, getVisible, locate } from "../services/memories";

/** Mounted at /v1/cubes. */
export const cubeLifecycle = routes();
/** Mounted at /v1/memories. */
export const memoryLifecycle = routes();

const cubeParams = z.object({ id: cubeIdSchema });
const idParam = z.object({ id: z.string().min(1).max(200) });
const counts = z.object({ expired: z.number().int(), archived: z.number().int(), purged: z.number().int() });
const lifecycleSchema = z.object({
  cube_id: z.string(),
  policy: z.object({
    ttl_seconds: z.record(z.string(), z.number().int().nullable()).describe("default TTL of a new memory, by type, when its add gives none"),
    archive_after_days: z.number().int().nullable(),
    purge_tombstones_after_days: z.number().int().nullable(),
  }),
  last_run_at: z.string().nullable().describe("when the cube's alarm last ran the lifecycle task"),
  next_run_at: z.string().nullable().describe("when it must run next (next expiry or sweep); null: nothing due"),
  last_run: counts.describe("what the last run did"),
  totals: counts.describe("what every run did, added up"),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
function lifecycleOut(cubeId: string, v: { policy: LifecyclePolicy; run: LifecycleRun }): z.infer<typeof lifecycleSchema> {
  return {
    cube_id: cubeId,
    policy: { ...v.policy, ttl_seconds: { ...v.policy.ttl_seconds } as Record<string, number | null> },
    last_run_at: iso(v.run.last_run_at),
    next_run_at: iso(v.run.next_run_at),
    last_run: v.run.last_run,
    totals: v.run.totals,
  };
}

const getPolicy = defineRoute({
  method: "get",
  path: "/{id}/lifecycle",
  tags: ["lifecycle"],
  scope: "memories:read",
  summary: "A cube's lifecycle policy, and its task's last run, next run and counts",
  request: { params: cubeParams },
  responses: { 200: jsonAnswer(lifecycleSchema) },
});
cubeLifecycle.openapi(getPolicy, async (c) => {
  const reach = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "read");
  return c.json(lifecycleOut(reach.identity.cube_id, unwrap(await c.get("deps").cube(reach.identity).lifecycle(reach.identity))), 200);
});

const putPolicy = defineRoute({
  method: "put",
  path: "/{id}/lifecycle",
  tags: ["lifecycle"],
  scope: "memories:write",
  summary: "Replace a cube's lifecycle policy: default TTL by memory type, archive after days unused, purge of tombstones after days",
  request: { params: cubeParams, body: jsonContent(lifecyclePolicySchema) },
  responses: { 200: jsonAnswer(lifecycleSchema) },
});
cubeLifecycle.openapi(putPolicy, async (c) => {
  const reach = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "write");
  // A policy expires and archives every memory of the cube: a key that sees only some agents' memories may not set it.
  if (reach.visible_agents !== null) throw new ApiError("forbidden", "only a key that sees the whole cube may set its lifecycle policy");
  const set = unwrap(await c.get("deps").cube(reach.identity).setLifecycle(reach.identity, c.req.valid("json")));
  return c.json(lifecycleOut(reach.identity.cube_id, set), 200);
});

/** Archive or restore by hand: a new version with reason archive or restore; already there, the memory is answered as it is. */
function stateRoute(to: "archived" | "active") {
  const route = defineRoute({
    method: "post",
    path: `/{id}/${to === "archived" ? "archive" : "restore"}`,
    tags: ["lifecycle"],
    scope: "memories:write",
    summary:
      to === "archived"
        ? "Archive a memory: left out of search and default listings (list with state=archived), kept with its versions"
        : "Restore an archived memory to active",
    request: { params: idParam, query: locateQuery },
    responses: { 200: jsonAnswer(memorySchema) },
  });
  memoryLifecycle.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const deps = c.get("deps");
    const idem = await cubeIdempotency(c, { id, to });
    const reach = await locate(deps, c.get("auth"), id, c.req.valid("query"), "write");
    const memory = await getVisible(deps, reach, id);
    if (memory.state === to) return c.json(memoryOut(memory), 200);
    // At the version read: a change in between is a 409, never a silent overwrite.
    return c.json(memoryOut(await editMemory(deps, reach.identity, id, { state: to, expected_version: memory.version }, idem)), 200);
  });
}
stateRoute("archived");
stateRoute("active");
