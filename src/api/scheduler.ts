// Scheduler routes: a cube's task table and recent decisions (/v1/cubes/:id/scheduler), and waking it.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { ApiError } from "../errors";
import { cubeIdSchema } from "../memory/cube-contract";
import { TASK_DESCRIPTION, TASK_NAMES } from "../memory/scheduler/tasks";
import { MAX_DECISIONS, MAX_WAIT_WAKES } from "../memory/scheduler/plan";
import type { SchedulerView } from "../../durable-objects/cube/scheduler/runner";
import type { ActivationView } from "../../durable-objects/cube/activation/rpc";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";
import { parameterMemoryOut, parameterMemorySchema } from "./parameter-memory";
import type { ParameterMemoryView } from "../../durable-objects/cube/distill/rpc";

/** Mounted at /v1/cubes. */
export const cubeScheduler = routes();

const cubeParams = z.object({ id: cubeIdSchema });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const bool = z.enum(["true", "false"]).transform((v) => v === "true");

const taskSchema = z.object({
  name: z.enum(TASK_NAMES),
  description: z.string(),
  priority: z.number().int().describe("lower runs first; the outbox always runs first, and a due task gains a level per second it waits"),
  state: z.enum(["running", "queued", "backing_off", "scheduled", "idle"]).describe("queued: due now; backing_off: failed last time, waiting out its backoff; scheduled: wants to run at next_run_at; idle: waits for a change"),
  next_run_at: z.string().nullable(),
  last_run_at: z.string().nullable(),
  last_ok_at: z.string().nullable(),
  last_error: z.string().nullable().describe("the error of the last failed run (kept after a later success)"),
  failures: z.number().int().describe("failures in a row; the backoff doubles with each, from 1 s up to 10 min"),
  runs: z.number().int(),
  last_duration_ms: z.number().nullable(),
  last_note: z.string().nullable().describe("what the last successful run did that was worth saying"),
});
const decisionSchema = z.object({
  at: z.string(),
  task: z.enum(TASK_NAMES),
  decision: z.enum(["run", "ok", "failed", "deferred", "woken"]),
  reason: z.string(),
});
const wakeSchema = z.object({
  started_at: z.string(),
  duration_ms: z.number(),
  ran: z.array(z.enum(TASK_NAMES)),
  failed: z.array(z.enum(TASK_NAMES)),
  deferred: z.array(z.enum(TASK_NAMES)),
});
const activationSchema = z
  .object({
    enabled: z.boolean(),
    half_life_ms: z.number().int().describe("heat halves over this long without access"),
    budget: z
      .object({
        node: z.string(),
        node_budget_bytes: z.number().int(),
        node_bytes_in_use: z.number().int().describe("bytes every cube's blocks take on the node, as the bridge counted them"),
        kv_bytes_per_token: z.number().int(),
        budget_bytes: z.number().int().describe("this cube's share: fill × the node's budget, under the cube's own cap"),
        at: z.string(),
      })
      .nullable()
      .describe("what the node reported at the activation task's last run; null before the first"),
    bytes_in_use: z.number().int().describe("bytes this cube's registered blocks take on the node"),
    blocks: z.array(
      z.object({
        user_id: z.string().nullable(),
        block_id: z.string().nullable().describe("the bridge's block; null: rendered but not on the node (evicted or never registered)"),
        node: z.string().nullable(),
        tokens: z.number().int(),
        size_bytes: z.number().int().nullable(),
        memories: z.number().int(),
        heat: z.number().describe("the user's heat now: decayed accesses summed over their memories"),
        rendered_at: z.string(),
        warmed_at: z.string().nullable(),
      }),
    ),
  })
  .describe("activation memory: the node's budget, this cube's blocks per user; its decisions are the activation task's in `decisions`");

const schedulerSchema = z.object({
  cube_id: z.string(),
  budget_ms: z.number().int().describe("wall time one wake-up spends on tasks after the outbox and the first other task"),
  alarm_at: z.string().nullable().describe("when the cube's alarm rings next; null: no task wants to run"),
  idle: z.boolean().describe("no task is due or running"),
  last_wake: wakeSchema.nullable().describe("the last wake-up since the object started: what ran, failed and was left for the next"),
  tasks: z.array(taskSchema),
  decisions: z.array(decisionSchema).describe("recent decisions, newest first: tasks that did something, failed or were deferred, with why"),
  activation: activationSchema,
  parameter_memory: parameterMemorySchema.describe("parameter memory: the LoRA adapter attached per user (in use or stale), the training job in flight, users backing off; its decisions are the distillation task's in `decisions`"),
});
const runSchema = schedulerSchema.extend({ wakes: z.number().int().describe("wake-ups this call ran itself (0 without wait)") });

function activationOut(a: ActivationView): z.infer<typeof activationSchema> {
  return {
    ...a,
    budget: a.budget && { ...a.budget, at: new Date(a.budget.at).toISOString() },
    blocks: a.blocks.map((b) => ({ ...b, rendered_at: new Date(b.rendered_at).toISOString(), warmed_at: iso(b.warmed_at) })),
  };
}

function schedulerOut(cubeId: string, v: SchedulerView & { activation: ActivationView; parameter_memory: ParameterMemoryView }): z.infer<typeof schedulerSchema> {
  return {
    cube_id: cubeId,
    budget_ms: v.budget_ms,
    alarm_at: iso(v.alarm_at),
    idle: v.tasks.every((t) => t.state !== "queued" && t.state !== "running"),
    last_wake: v.last_wake && { ...v.last_wake, started_at: new Date(v.last_wake.started_at).toISOString() },
    tasks: v.tasks.map((t) => ({
      name: t.name,
      description: TASK_DESCRIPTION[t.name],
      priority: t.priority,
      state: t.state,
      next_run_at: iso(t.next_at),
      last_run_at: iso(t.last_run_at),
      last_ok_at: iso(t.last_ok_at),
      last_error: t.last_error,
      failures: t.failures,
      runs: t.runs,
      last_duration_ms: t.last_duration_ms,
      last_note: t.last_note,
    })),
    decisions: v.decisions.map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
    activation: activationOut(v.activation),
    parameter_memory: parameterMemoryOut(v.parameter_memory),
  };
}

const decisionsQuery = z.coerce.number().int().min(0).max(MAX_DECISIONS).default(20).describe("how many recent decisions to list");

const getScheduler = defineRoute({
  method: "get",
  path: "/{id}/scheduler",
  tags: ["scheduler"],
  scope: "memories:read",
  summary: "A cube's scheduler: its tasks with state, last and next run and last error, the budget, recent decisions with reasons",
  request: { params: cubeParams, query: z.strictObject({ decisions: decisionsQuery }) },
  responses: { 200: jsonAnswer(schedulerSchema) },
});
cubeScheduler.openapi(getScheduler, async (c) => {
  const reach = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "read");
  if (reach.visible_agents !== null) throw new ApiError("forbidden", "only a key that sees the whole cube may read its scheduler");
  const view = unwrap(await c.get("deps").cube(reach.identity).schedulerState(reach.identity, c.req.valid("query").decisions));
  return c.json(schedulerOut(reach.identity.cube_id, view), 200);
});

const runScheduler = defineRoute({
  method: "post",
  path: "/{id}/scheduler/run",
  tags: ["scheduler"],
  scope: "memories:write",
  summary: "Wake a cube's scheduler now; with wait=true, run wake-ups until no task is due (or max_wakes ran) and answer the state after",
  request: {
    params: cubeParams,
    query: z.strictObject({
      wait: bool.default(false).describe("run the due tasks in this call until none is due, rather than leave them to the alarm"),
      max_wakes: z.coerce.number().int().min(1).max(MAX_WAIT_WAKES).default(20).describe("most wake-ups a wait runs"),
      decisions: decisionsQuery,
    }),
  },
  responses: { 200: jsonAnswer(runSchema) },
});
cubeScheduler.openapi(runScheduler, async (c) => {
  const reach = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "write");
  if (reach.visible_agents !== null) throw new ApiError("forbidden", "only a key that sees the whole cube may wake its scheduler");
  const view = unwrap(await c.get("deps").cube(reach.identity).runScheduler(reach.identity, c.req.valid("query")));
  return c.json({ ...schedulerOut(reach.identity.cube_id, view), wakes: view.wakes }, 200);
});
