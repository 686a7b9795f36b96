// zod schemas of the public API (v1): they validate requests and produce the OpenAPI document.
import { z } from "zod";
import { MEMORY_STATES, MEMORY_TYPES, type Memory } from "../memory/types";
import { cubeIdSchema, LIMITS, scopeIdSchema, textSchema } from "../memory/cube-contract";
import { MAX_TTL_SECONDS } from "../memory/lifecycle";

const isoTime = z.iso.datetime({ offset: true });
const tags = z.array(z.string().min(1).max(LIMITS.tagChars)).max(LIMITS.tags);
const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => JSON.stringify(m).length <= LIMITS.metadataBytes, `metadata must be at most ${LIMITS.metadataBytes} bytes`);

export const memorySchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  cube_id: z.string(),
  user_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  session_id: z.string().nullable(),
  text: z.string(),
  type: z.enum(MEMORY_TYPES),
  tags: z.array(z.string()),
  entities: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  importance: z.number(),
  state: z.enum(MEMORY_STATES),
  version: z.number().int(),
  hash: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  valid_from: z.string(),
  valid_to: z.string().nullable(),
  event_time: z.string().nullable(),
  source_message_ids: z.array(z.string()),
  seen_count: z.number().int(),
  last_seen_at: z.string(),
  expires_at: z.string().nullable().describe("when it expires (it is never returned from then on); null: never"),
});
export type MemoryOut = z.infer<typeof memorySchema>;

const iso = (ms: number) => new Date(ms).toISOString();

export function memoryOut(m: Memory): MemoryOut {
  return {
    ...m,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
    valid_from: iso(m.valid_from),
    valid_to: m.valid_to === null ? null : iso(m.valid_to),
    event_time: m.event_time === null ? null : iso(m.event_time),
    last_seen_at: iso(m.last_seen_at),
    expires_at: m.expires_at === null || m.expires_at === undefined ? null : iso(m.expires_at),
  };
}

/** Expiry of a memory as an add or an edit asks for it: a time or a TTL, never both. */
const expiryFields = {
  expires_at: isoTime.nullable().optional().describe("when the memory expires (never returned from then on); null: never, whatever the cube's policy"),
  ttl: z.number().int().min(1).max(MAX_TTL_SECONDS).optional().describe("seconds until the memory expires; not with expires_at"),
};
type ExpiryFields = { expires_at?: string | null | undefined; ttl?: number | undefined };

/** The checks of `expiryFields`: not both, and a time still ahead (a past one would store a memory already gone). */
function checkExpiry(b: ExpiryFields, ctx: z.RefinementCtx): void {
  if (b.expires_at !== undefined && b.ttl !== undefined) ctx.addIssue({ code: "custom", path: ["ttl"], message: "give expires_at or ttl, not both" });
  if (typeof b.expires_at === "string" && Date.parse(b.expires_at) <= Date.now()) ctx.addIssue({ code: "custom", path: ["expires_at"], message: "expires_at must be in the future" });
}

const scope = {
  user_id: scopeIdSchema.optional(),
  agent_id: scopeIdSchema.optional(),
  session_id: scopeIdSchema.optional(),
  cube_id: cubeIdSchema.optional(),
};

/** An assistant's tool call in OpenAI's chat shape; `arguments` is the JSON text the model produced. */
export const toolCallSchema = z.strictObject({
  id: z.string().min(1).max(200),
  type: z.literal("function").default("function"),
  function: z.strictObject({ name: z.string().min(1).max(128), arguments: z.string().max(8_192).default("{}") }),
});

/** What an assistant message that only calls tools is stored as (its content is empty in the chat shape). */
function toolCallContent(calls: ReadonlyArray<z.output<typeof toolCallSchema>>): string {
  return calls.map((c) => `[tool call] ${c.function.name}(${c.function.arguments})`).join("\n").slice(0, LIMITS.textChars);
}

export const messageSchema = z
  .strictObject({
    role: z.enum(["user", "assistant", "system", "tool"]),
    content: z.union([textSchema(), z.literal(""), z.null()]).optional().describe("the text; may be empty or null for an assistant message with tool_calls"),
    name: z.string().min(1).max(128).optional(),
    timestamp: isoTime.optional(),
    tool_calls: z.array(toolCallSchema).min(1).max(32).optional().describe("assistant only: the tools it called (OpenAI chat shape), read by the skill job"),
    tool_call_id: z.string().min(1).max(200).optional().describe("tool only: the call this message answers"),
  })
  .refine((m) => (typeof m.content === "string" && m.content.length > 0) || m.tool_calls !== undefined, { path: ["content"], message: "give content (tool_calls alone only for an assistant message)" })
  .refine((m) => m.tool_calls === undefined || m.role === "assistant", { path: ["tool_calls"], message: "only an assistant message calls tools" })
  .refine((m) => m.tool_call_id === undefined || m.role === "tool", { path: ["tool_call_id"], message: "only a tool message answers a tool call" })
  .transform(({ content, ...m }) => ({ ...m, content: typeof content === "string" && content.length > 0 ? content : toolCallContent(m.tool_calls ?? []) }));

export const addMemoriesBody = z
  .strictObject({
    ...scope,
    messages: z.array(messageSchema).min(1).max(LIMITS.messagesPerAdd).optional(),
    text: textSchema().optional(),
    infer: z.boolean().default(true),
    mode: z.enum(["fast", "fine"]).default("fast").describe("extraction mode when infer is true"),
    sync: z.boolean().default(false).describe("wait for extraction instead of answering 202"),
    type: z.enum(MEMORY_TYPES).optional().describe("type of directly stored memories (infer false)"),
    importance: z.number().min(0).max(1).optional(),
    tags: tags.default([]),
    metadata: metadata.default({}),
    ...expiryFields,
  })
  .refine((b) => (b.messages === undefined) !== (b.text === undefined), { message: "give exactly one of messages or text" })
  .superRefine(checkExpiry)
  .refine((b) => !b.infer || (b.expires_at === undefined && b.ttl === undefined), {
    path: ["ttl"],
    message: "expires_at and ttl apply to memories stored directly (infer false); extracted memories take the cube's lifecycle policy",
  })
  .refine((b) => b.user_id !== undefined || b.cube_id !== undefined, { message: "give user_id or cube_id" });
export type AddMemoriesBody = z.infer<typeof addMemoriesBody>;

const csvOrList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(",")).filter(Boolean));

export const listQuery = z.strictObject({
  ...scope,
  tags: csvOrList.pipe(tags).optional(),
  state: z.enum(MEMORY_STATES).optional(),
  created_after: isoTime.optional(),
  created_before: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.listLimit).default(50),
  cursor: z.string().max(500).optional(),
});

export const locateQuery = z.strictObject({ cube_id: cubeIdSchema.optional(), user_id: scopeIdSchema.optional() });

export const deleteScopeQuery = z
  .strictObject({ ...scope })
  .refine((q) => q.user_id !== undefined || q.cube_id !== undefined, { message: "give user_id or cube_id" });

export const patchMemoryBody = z
  .strictObject({
    text: textSchema().optional(),
    type: z.enum(MEMORY_TYPES).optional(),
    tags: tags.optional(),
    metadata: metadata.optional(),
    importance: z.number().min(0).max(1).optional(),
    state: z.enum(["active", "archived"]).optional(),
    ...expiryFields,
    expected_version: z.number().int().min(1).optional(),
  })
  .superRefine(checkExpiry)
  .refine((b) => Object.keys(b).some((k) => k !== "expected_version"), { message: "nothing to change" });

const routeWeight = z.number().min(0).max(10).optional();

/** Most cubes one search may name in `cube_ids`. */
export const MAX_SEARCH_CUBES = 50;

export const searchBody = z.strictObject({
  query: textSchema(LIMITS.queryChars),
  ...scope,
  cube_ids: z
    .array(cubeIdSchema)
    .min(1)
    .max(MAX_SEARCH_CUBES)
    .optional()
    .describe("search these cubes together: the caller's own and those granted to it (not with cube_id or user_id); each result names its cube"),
  tags: tags.optional().describe("every tag must be present"),
  types: z.array(z.enum(MEMORY_TYPES)).optional(),
  state: z.enum(MEMORY_STATES).optional().describe("default active"),
  top_k: z.number().int().min(1).max(LIMITS.topK).default(10),
  as_of: isoTime.optional().describe("search the memories as they were valid at this time"),
  reference_time: isoTime.optional().describe('"now" for dates in the query ("last week") and for decay'),
  time_range: z
    .strictObject({ from: isoTime.optional(), to: isoTime.optional() })
    .optional()
    .describe("only memories that happened (event time, else creation) in [from, to)"),
  threshold: z.number().min(0).max(1).optional().describe("drop results whose normalized score is lower"),
  weights: z
    .strictObject({ vector: routeWeight, keyword: routeWeight, entity: routeWeight, time: routeWeight, recency: routeWeight })
    .optional()
    .describe("per-route RRF weights; defaults depend on the embedder"),
  half_life_days: z.number().positive().max(36_500).optional().describe("decay half-life (default 30 days)"),
  mmr_lambda: z.number().min(0).max(1).optional().describe("1 = pure relevance, lower = more diverse (default 0.9)"),
  record_access: z.boolean().default(true).describe("count returned memories as used (feeds heat, which the recency route weighs); false for dry runs"),
  format: z.enum(["json", "context"]).default("json").describe('"context" adds the packed prompt block'),
  budget_tokens: z.number().int().min(1).max(32_000).default(800).describe("token budget of the context block"),
  order: z.enum(["time", "topic", "relevance"]).default("time").describe("grouping of the context block"),
});
export type SearchBody = z.infer<typeof searchBody>;

export const contextBody = searchBody.omit({ format: true }).extend({ top_k: z.number().int().min(1).max(LIMITS.topK).default(20) });

export const scoredMemorySchema = z.object({
  memory: memorySchema,
  score: z.number(),
  score_breakdown: z.record(z.string(), z.number()).describe("each route's RRF contribution, and the decay factor"),
});

export const packedContextSchema = z.object({
  context: z.string().describe("prompt-ready block; memory text is escaped and fenced as untrusted data"),
  tokens_used: z.number().int().describe("cl100k_base tokens of the block"),
  budget: z.number().int(),
  included: z.array(z.string()),
  cut: z.array(z.object({ id: z.string(), reason: z.enum(["budget", "empty", "duplicate"]) })),
  working_memory: z
    .object({
      session_id: z.string(),
      tokens: z.number().int().describe("tokens of the working-memory part, counted inside tokens_used"),
      turns: z.number().int().describe("recent turns it holds"),
      summary_lines: z.number().int().describe("lines of the rolling summary of older turns"),
      evicted: z.number().int().describe("older turns that fell out of the bound"),
    })
    .optional()
    .describe("with session_id (one cube): the session's working memory, first in the block, within half the budget"),
  profile: z
    .object({
      user_id: z.string(),
      summary: z.string().describe("the user's profile as its own prompt-ready block (GET /v1/profile); not inside context nor its budget"),
      tokens: z.number().int(),
      built_at: z.number().int().describe("when it was built (ms)"),
    })
    .optional()
    .describe("with user_id (one cube, a key that sees every agent): the user's profile"),
});

export const listResponse = z.object({ memories: z.array(memorySchema), next_cursor: z.string().nullable() });
const jobMergeSchema = z.object({
  target_id: z.string().describe("memory the candidate was merged into"),
  similarity: z.number().describe("cosine similarity of candidate and target"),
  candidate: z.string().describe("candidate text"),
  target: z.string().describe("target text before the merge"),
  candidate_sources: z.array(z.string()),
  target_sources: z.array(z.string()),
});

const jobJudgedSchema = z.object({
  index: z.number().int().describe("candidate index"),
  action: z.enum(["ADD", "UPDATE", "SUPERSEDE", "DELETE", "NOOP"]),
  target_id: z.string().nullable(),
  by: z.enum(["rules", "external"]).describe('"external": decided by the LLM judge in the Worker'),
  reason: z.string(),
});

/** What the extractor and the cube's organizer report for one job; unknown extra keys are kept. */
const jobDetailSchema = z
  .looseObject({
    extractor: z.enum(["raw", "rules", "llm"]).optional().describe("which extractor produced the candidates"),
    windows: z.number().int().optional().describe("message windows the extractor read"),
    note: z.string().optional(),
    prompt_version: z.string().optional().describe("LLM extractor prompt version"),
    outcomes: z.record(z.string(), z.number().int()).optional().describe("LLM windows by outcome (ok, retried, fallback)"),
    errors: z.array(z.string()).optional().describe("first LLM errors (removed when a memory is forgotten)"),
    skipped: z.array(z.string()).optional().describe("why candidates were dropped before organizing (first 20)"),
    judge: z.string().optional().describe("id of the LLM judge, fine mode"),
    timings_ms: z.record(z.string(), z.number()).optional().describe("Worker-side stage timings"),
    candidates: z.number().int().optional().describe("candidates sent to the cube"),
    added: z.array(z.string()).optional().describe("ids of new memories"),
    merged: z.array(z.string()).optional().describe("ids of memories a candidate was merged into"),
    updated: z.array(z.string()).optional().describe("ids of memories the judge updated"),
    superseded: z.array(z.string()).optional().describe("ids of memories closed by a newer fact"),
    retracted: z.array(z.string()).optional().describe("ids of memories the judge retracted"),
    repeats: z.number().int().optional().describe("exact repeats of live memories"),
    noops: z.number().int().optional().describe("candidates the judge found to add nothing"),
    merges: z.array(jobMergeSchema).optional().describe("each near-duplicate merge, for audit (first 500; removed when a memory is forgotten)"),
    judged: z.array(jobJudgedSchema).optional().describe("judge decisions in candidate order"),
    rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })).optional().describe("candidates the cube refused, with why (first 50)"),
  })
  .describe("extractor and organizer report; keys beyond these may appear");

export const jobResultSchema = z
  .object({
    memory_ids: z.array(z.string()).describe("memories added, merged into or updated"),
    added: z.number().int().describe("new memories"),
    skipped: z.number().int().describe("repeats, no-ops and refused candidates"),
    detail: jobDetailSchema.optional(),
  })
  .nullable()
  .describe("set when the job succeeded, null before");

export const jobSchema = z.object({
  id: z.string(),
  cube_id: z.string(),
  state: z.enum(["queued", "running", "succeeded", "failed"]),
  mode: z.string(),
  attempts: z.number(),
  error: z.string().nullable(),
  result: jobResultSchema,
  message_ids: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const coverageSchema = z
  .object({
    cubes_searched: z.number().int(),
    failed: z.array(z.object({ cube_id: z.string(), code: z.string(), message: z.string() })).describe("cubes that failed and were skipped"),
    left_out: z.number().int().describe("cubes not searched because the fan-out limit was reached"),
  })
  .describe("tenant-wide searches only: which cubes answered; the results are partial when failed or left_out is not empty");
