// Settings and inspection of a cube's consolidation and parameter memory (/v1/cubes/:id/scheduler/consolidation, /parameter-memory, its dataset).
import { z } from "zod";
import type { Context } from "hono";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import type { AppEnv } from "./app-env";
import { ApiError } from "../errors";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { consolidationPatchSchema } from "../memory/consolidate/config";
import { distillPatchSchema } from "../memory/distill/config";
import { MEMORY_TYPES } from "../memory/types";
import type { ParameterMemoryView } from "../../durable-objects/cube/distill/rpc";
import type { Permission } from "../governance/access";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";

/** Mounted at /v1/cubes. */
export const parameterMemory = routes();

const params = z.object({ id: cubeIdSchema });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const consolidationSchema = z.object({
  enabled: z.boolean(),
  idle_ms: z.number().int().describe("the cube counts as idle once no memory was written for this long; consolidation waits for it"),
  min_similarity: z.number().describe("memories of one user, agent, type and entity are related from this similarity (lexical Jaccard, or vector cosine when it clears min_vector_similarity)"),
  min_vector_similarity: z.number(),
  max_group: z.number().int().describe("most memories merged into one"),
  merge_types: z.array(z.enum(MEMORY_TYPES)),
  stale_types: z.array(z.enum(MEMORY_TYPES)).describe("types closed (valid_to set) once their event time passed stale_after_ms ago and nobody saw or read them since"),
  stale_after_ms: z.number().int(),
});

const distillSchema = z.object({
  enabled: z.boolean().describe("off: no training job starts (nothing happens without a bridge either way)"),
  base_model: z.string().nullable().describe("the model adapters are trained for; null: the first model the bridge's first node serves"),
  min_age_ms: z.number().int().describe("a memory is distilled once at least this old"),
  min_confirmations: z.number().int().describe("times it must have been stated (seen_count)"),
  min_accesses: z.number().int().describe("reads it must have had"),
  min_examples: z.number().int().describe("fewest examples worth a training job"),
  max_examples: z.number().int(),
  redistill_share: z.number().describe("share of the distilled memories that must have changed before a new job replaces the adapter"),
  job_timeout_ms: z.number().int(),
  poll_ms: z.number().int(),
  poll_max_ms: z.number().int(),
});

const sourceSchema = z.object({ id: z.string(), version: z.number().int() });
export const parameterMemorySchema = z.object({
  adapters: z.array(
    z.object({
      user_id: z.string().nullable(),
      adapter_name: z.string(),
      base_model: z.string(),
      examples: z.number().int(),
      dataset_hash: z.string(),
      job_id: z.string(),
      memories: z.array(sourceSchema).describe("the memories it was trained on, at their versions"),
      created_at: z.string(),
      in_use: z.boolean().describe("false once stale: chat no longer uses it"),
      stale_at: z.string().nullable(),
      stale_reason: z.string().nullable(),
    }),
  ),
  job: z
    .object({ job_id: z.string(), user_id: z.string().nullable(), adapter_name: z.string(), base_model: z.string(), examples: z.number().int(), started_at: z.string(), polls: z.number().int(), next_poll_at: z.string() })
    .nullable()
    .describe("the one training job in flight"),
  backing_off: z.array(z.object({ user_id: z.string().nullable(), failures: z.number().int(), retry_at: z.string().nullable(), last_error: z.string().nullable() })),
});

/** The view as the API answers it (also the scheduler's `parameter_memory`). */
export function parameterMemoryOut(v: ParameterMemoryView): z.infer<typeof parameterMemorySchema> {
  const user = (key: string) => (key === "" ? null : key.slice(2));
  return {
    adapters: v.adapters.map((a) => ({
      user_id: a.user_id,
      adapter_name: a.adapter_name,
      base_model: a.base_model,
      examples: a.examples,
      dataset_hash: a.dataset_hash,
      job_id: a.job_id,
      memories: a.sources,
      created_at: new Date(a.created_at).toISOString(),
      in_use: a.stale_at === null,
      stale_at: iso(a.stale_at),
      stale_reason: a.stale_reason,
    })),
    job: v.job && { job_id: v.job.job_id, user_id: v.job.user_id, adapter_name: v.job.adapter_name, base_model: v.job.base_model, examples: v.job.examples, started_at: new Date(v.job.started_at).toISOString(), polls: v.job.polls, next_poll_at: new Date(v.job.next_poll_at).toISOString() },
    backing_off: v.users.map((u) => ({ user_id: user(u.user_key), failures: u.failures, retry_at: iso(u.retry_at), last_error: u.last_error })),
  };
}

async function reach(c: Context<AppEnv>, need: Permission) {
  const r = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.param("id") as string }, need);
  if (r.visible_agents !== null) throw new ApiError("forbidden", "only a key that sees the whole cube may read or change its scheduler settings");
  return r.identity;
}
const nothing = () => new ApiError("invalid_request", "nothing to change", [{ path: "(body)", message: "give at least one setting" }]);

const getConsolidation = defineRoute({
  method: "get",
  path: "/{id}/scheduler/consolidation",
  tags: ["scheduler"],
  scope: "memories:read",
  summary: "A cube's consolidation settings (idle time, what is related, what is stale)",
  request: { params },
  responses: { 200: jsonAnswer(consolidationSchema) },
});
parameterMemory.openapi(getConsolidation, async (c) => {
  const identity = await reach(c, "read");
  return c.json(unwrap(await c.get("deps").cube(identity).consolidationConfig(identity)), 200);
});

const patchConsolidation = defineRoute({
  method: "patch",
  path: "/{id}/scheduler/consolidation",
  tags: ["scheduler"],
  scope: "memories:write",
  summary: "Change a cube's consolidation settings (the fields given); the consolidation task looks again at once",
  request: { params, body: jsonContent(consolidationPatchSchema) },
  responses: { 200: jsonAnswer(consolidationSchema) },
});
parameterMemory.openapi(patchConsolidation, async (c) => {
  const patch = c.req.valid("json");
  if (Object.keys(patch).length === 0) throw nothing();
  const identity = await reach(c, "write");
  return c.json(unwrap(await c.get("deps").cube(identity).setConsolidationConfig(identity, patch)), 200);
});

const answer = z.object({ settings: distillSchema }).extend(parameterMemorySchema.shape);

const getParameterMemory = defineRoute({
  method: "get",
  path: "/{id}/scheduler/parameter-memory",
  tags: ["scheduler"],
  scope: "memories:read",
  summary: "A cube's parameter memory: its settings, the LoRA adapter attached per user (sources, dataset hash, stale or in use), the training job in flight, users backing off",
  request: { params },
  responses: { 200: jsonAnswer(answer) },
});
parameterMemory.openapi(getParameterMemory, async (c) => {
  const identity = await reach(c, "read");
  const v = unwrap(await c.get("deps").cube(identity).parameterMemory(identity));
  return c.json({ settings: v.config, ...parameterMemoryOut(v) }, 200);
});

const patchParameterMemory = defineRoute({
  method: "patch",
  path: "/{id}/scheduler/parameter-memory",
  tags: ["scheduler"],
  scope: "memories:write",
  summary: "Change a cube's parameter-memory settings (the fields given); the distillation task looks again at once",
  request: { params, body: jsonContent(distillPatchSchema) },
  responses: { 200: jsonAnswer(distillSchema) },
});
parameterMemory.openapi(patchParameterMemory, async (c) => {
  const patch = c.req.valid("json");
  if (Object.keys(patch).length === 0) throw nothing();
  const identity = await reach(c, "write");
  return c.json(unwrap(await c.get("deps").cube(identity).setParameterMemory(identity, patch)), 200);
});

const getDataset = defineRoute({
  method: "get",
  path: "/{id}/scheduler/parameter-memory/dataset",
  tags: ["scheduler"],
  scope: "memories:read",
  summary: "The training set distillation would export for a user now: chat-format JSONL (system, a question the memory answers, the memory's desensitized text), deterministic; audited as a read of its memories",
  request: { params, query: z.strictObject({ user_id: scopeIdSchema.optional().describe("whose knowledge (absent: the memories of no user)") }) },
  responses: {
    200: jsonAnswer(
      z.object({
        user_id: z.string().nullable(),
        examples: z.number().int(),
        hash: z.string().describe("SHA-256 of the JSONL: the same memories give the same hash"),
        memories: z.array(sourceSchema),
        jsonl: z.string().describe('one line per example: {"messages":[{"role":"system",...},{"role":"user",...},{"role":"assistant",...}]}'),
      }),
    ),
  },
});
parameterMemory.openapi(getDataset, async (c) => {
  const identity = await reach(c, "read");
  const user = c.req.valid("query").user_id ?? null;
  const set = unwrap(await c.get("deps").cube(identity).distillDataset(identity, user));
  return c.json({ user_id: set.user_id, examples: set.lines.length, hash: set.hash, memories: set.sources, jsonl: set.lines.join("\n") }, 200);
});
