// The RPC contract of a cube's skills (Mem2Skill): request shapes, validated on both sides, skill ids and a draft's texts.
import { z } from "zod";
import { SKILL_ORIGINS, SKILL_STATES, type SkillDraft } from "./skills/types";
import { idempotencySchema, identitySchema, scopeIdSchema } from "./cube-contract";

/** Sizes the API and the cube accept; the miner's own rules (name, placeholders) are checked by `checkDraft`. */
export const SKILL_API_LIMITS = {
  textChars: 2_000,
  nameChars: 64,
  steps: 50,
  parameters: 32,
  listItems: 20,
  sourceIds: 500,
  draftsPerRun: 50,
  listLimit: 100,
  topK: 20,
  queryChars: 2_000,
  skillMdChars: 100_000,
  files: 20,
  noteChars: 2_000,
  argumentsBytes: 8_192,
} as const;

const text = (max: number = SKILL_API_LIMITS.textChars) => z.string().max(max);
const float32 = z.custom<Float32Array>((v) => v instanceof Float32Array, "expected a Float32Array");

export const skillToolCallSchema = z
  .object({
    name: z.string().min(1).max(128),
    arguments: z
      .record(z.string(), z.unknown())
      .refine((a) => JSON.stringify(a).length <= SKILL_API_LIMITS.argumentsBytes, `arguments are larger than ${SKILL_API_LIMITS.argumentsBytes} bytes`),
  })
  .strict();

export const skillStepSchema = z.object({ text: text().min(1), tool: skillToolCallSchema.nullable(), condition: text().nullable() }).strict();

export const skillParameterSchema = z
  .object({
    type: z.enum(["string", "number", "integer", "boolean"]),
    description: text().optional(),
    enum: z.array(z.union([z.string().max(500), z.number()])).max(100).optional(),
    default: z.union([z.string().max(SKILL_API_LIMITS.textChars), z.number(), z.boolean()]).optional(),
  })
  .strict();

export const skillParametersSchema = z
  .object({
    type: z.literal("object"),
    properties: z.record(z.string().max(64), skillParameterSchema).refine((p) => Object.keys(p).length <= SKILL_API_LIMITS.parameters, `at most ${SKILL_API_LIMITS.parameters} parameters`),
    required: z.array(z.string().max(64)).max(SKILL_API_LIMITS.parameters),
    additionalProperties: z.literal(false),
  })
  .strict();

export const skillDraftSchema = z
  .object({
    name: z.string().min(1).max(SKILL_API_LIMITS.nameChars),
    description: text(1_024).min(1),
    when_to_use: text(),
    parameters: skillParametersSchema,
    steps: z.array(skillStepSchema).min(1).max(SKILL_API_LIMITS.steps),
    preconditions: z.array(text()).max(SKILL_API_LIMITS.listItems),
    examples: z.array(text()).max(SKILL_API_LIMITS.listItems),
    source_message_ids: z.array(z.string().max(200)).max(SKILL_API_LIMITS.sourceIds),
  })
  .strict();

export const skillHubSchema = z
  .object({ listing_id: z.string().min(1).max(200), source_cube_id: z.string().min(1).max(200), source_skill_id: z.string().min(1).max(200), source_version: z.number().int().min(1) })
  .strict();

/** A draft as the Worker hands it to the cube: desensitized and embedded (vector null: none). */
const embeddedDraft = z.object({ draft: skillDraftSchema, vector: float32.nullable() }).strict();

const scope = { user_id: scopeIdSchema.nullable(), agent_id: scopeIdSchema.nullable() };

/** What one skill job hands the cube: its drafts, for evolution against the cube's skills. */
export const minedSkillsSchema = z
  .object({
    identity: identitySchema,
    job_id: z.string().min(1).max(200),
    embedder: z.string().min(1).max(200),
    drafts: z.array(embeddedDraft).max(SKILL_API_LIMITS.draftsPerRun),
    detail: z.record(z.string(), z.unknown()),
  })
  .strict();
export type MinedSkillsRequest = z.infer<typeof minedSkillsSchema>;

/** An explicit upload (JSON draft or SKILL.md): stored as a new skill, or the skill with the same steps. */
export const createSkillSchema = z
  .object({
    identity: identitySchema,
    ...scope,
    embedder: z.string().min(1).max(200),
    item: embeddedDraft,
    idempotency: idempotencySchema.optional(),
  })
  .strict();
export type CreateSkillRequest = z.infer<typeof createSkillSchema>;

export const skillPatchSchema = z
  .object({
    name: skillDraftSchema.shape.name.optional(),
    description: skillDraftSchema.shape.description.optional(),
    when_to_use: skillDraftSchema.shape.when_to_use.optional(),
    steps: skillDraftSchema.shape.steps.optional(),
    parameters: skillParametersSchema.optional(),
    preconditions: skillDraftSchema.shape.preconditions.optional(),
    examples: skillDraftSchema.shape.examples.optional(),
    state: z.enum(SKILL_STATES).optional(),
  })
  .strict();
export type SkillPatch = z.infer<typeof skillPatchSchema>;

export const updateSkillSchema = z
  .object({
    identity: identitySchema,
    id: z.string().min(1).max(200),
    expected_version: z.number().int().min(1),
    patch: skillPatchSchema,
    /** The re-embedded text when a text field changed; absent: the vector stays. */
    embedding: z.object({ embedder: z.string().min(1).max(200), vector: float32.nullable() }).strict().optional(),
    idempotency: idempotencySchema.optional(),
  })
  .strict();
export type UpdateSkillRequest = z.infer<typeof updateSkillSchema>;

export const skillFilterSchema = z
  .object({
    user_id: scopeIdSchema.optional(),
    agent_id: scopeIdSchema.optional(),
    /** Only skills of no agent or of these agents (a key limited to agents). */
    visible_agents: z.array(scopeIdSchema).min(1).max(50).optional(),
    state: z.enum(SKILL_STATES).optional(),
    origin: z.enum(SKILL_ORIGINS).optional(),
  })
  .strict();
export type SkillFilter = z.infer<typeof skillFilterSchema>;

export const listSkillsSchema = z
  .object({
    identity: identitySchema,
    filter: skillFilterSchema,
    limit: z.number().int().min(1).max(SKILL_API_LIMITS.listLimit),
    after_seq: z.number().int().nullable(),
    /** Tenant-wide pages: skills with a smaller id (ids sort by creation time across cubes), newest first. */
    before_id: z.string().min(1).max(200).nullable().optional(),
  })
  .strict();

export const searchSkillsSchema = z
  .object({
    identity: identitySchema,
    query: z.string().min(1).max(SKILL_API_LIMITS.queryChars),
    vector: float32.nullable(),
    embedder: z.string().min(1).max(200),
    top_k: z.number().int().min(1).max(SKILL_API_LIMITS.topK),
    filter: skillFilterSchema,
    /** Weakest fused score answered (0..1); 0: everything that matched a route. */
    min_score: z.number().min(0).max(1).default(0),
  })
  .strict();
export type SearchSkillsRequest = z.input<typeof searchSkillsSchema>;

export const skillArgs = {
  byId: z.tuple([identitySchema, z.string().min(1).max(200)]),
  deleteSkill: z.tuple([identitySchema, z.string().min(1).max(200), idempotencySchema.optional()]),
  instantiate: z.tuple([identitySchema, z.string().min(1).max(200), z.record(z.string(), z.unknown())]),
  feedback: z.tuple([
    identitySchema,
    z.string().min(1).max(200),
    z.object({ outcome: z.enum(["success", "failure"]), note: z.string().max(SKILL_API_LIMITS.noteChars).optional() }).strict(),
    idempotencySchema.optional(),
  ]),
  install: z.tuple([
    identitySchema,
    skillDraftSchema,
    skillHubSchema,
    idempotencySchema.optional(),
    z.object({ embedder: z.string().min(1).max(200), vector: float32.nullable(), user_id: scopeIdSchema.nullable().optional(), agent_id: scopeIdSchema.nullable().optional() }).strict().optional(),
  ]),
  skillRun: z.tuple([identitySchema, z.string().min(1).max(200)]),
  /** How many skills a memory search answers beside its results (0: none). */
  searchCount: z.number().int().min(0).max(SKILL_API_LIMITS.topK).optional(),
} as const;

/** What a skill job did, stored with the job it ran after (`GET /v1/jobs/:id` answers it as `result.detail.skills`). */
export interface SkillRunReport {
  state: "queued" | "running" | "succeeded" | "failed";
  attempts: number;
  error: string | null;
  created: number;
  upgraded: number;
  duplicates: number;
  skill_ids: string[];
  detail: Record<string, unknown>;
}

// Skill ids name their cube as memory ids do: `skl_<time><random>_<cube ref>`.
const SKILL_ID = /^skl_[0-9A-HJKMNP-TV-Z]{26}_([0-9a-hjkmnp-tv-z]{10})$/;

/** The cube ref a skill id ends with; null for a malformed id. */
export function refOfSkillId(id: string): string | null {
  return SKILL_ID.exec(id)?.[1] ?? null;
}

/**
 * Every free text of a draft, in a fixed order (description, when to use, steps with their
 * conditions and string tool arguments, parameter descriptions and string defaults,
 * preconditions, examples): what is desensitized and what `withTexts` writes back.
 */
export function draftTexts(d: SkillDraft): string[] {
  const out: string[] = [d.description, d.when_to_use];
  for (const s of d.steps) {
    out.push(s.text, s.condition ?? "");
    if (s.tool) for (const v of Object.values(s.tool.arguments)) if (typeof v === "string") out.push(v);
  }
  for (const p of Object.values(d.parameters.properties)) {
    out.push(p.description ?? "");
    if (typeof p.default === "string") out.push(p.default);
  }
  return [...out, ...d.preconditions, ...d.examples];
}

/** The draft with its texts replaced, in `draftTexts` order. */
export function withTexts(d: SkillDraft, texts: readonly string[]): SkillDraft {
  let i = 0;
  const next = (fallback: string) => texts[i++] ?? fallback;
  const description = next(d.description);
  const when_to_use = next(d.when_to_use);
  const steps = d.steps.map((s) => {
    const stepText = next(s.text);
    const condition = next(s.condition ?? "");
    const tool = s.tool ? { name: s.tool.name, arguments: Object.fromEntries(Object.entries(s.tool.arguments).map(([k, v]) => [k, typeof v === "string" ? next(v) : v])) } : null;
    return { text: stepText, tool, condition: s.condition === null ? null : condition };
  });
  const properties = Object.fromEntries(
    Object.entries(d.parameters.properties).map(([name, p]) => {
      const desc = next(p.description ?? "");
      const out = { ...p, ...(p.description !== undefined ? { description: desc } : {}) };
      if (typeof p.default === "string") out.default = next(p.default);
      return [name, out];
    }),
  );
  return { ...d, description, when_to_use, steps, parameters: { ...d.parameters, properties }, preconditions: d.preconditions.map(next), examples: d.examples.map(next) };
}

/** A chat message's tool calls as the cube stores them (the OpenAI shape flattened); empty fields left out. */
export function toolCallsOf(m: {
  role: string;
  tool_calls?: ReadonlyArray<{ id: string; function: { name: string; arguments: string } }> | undefined;
  tool_call_id?: string | undefined;
}): { tool_calls?: Array<{ id: string; name: string; arguments: string }>; tool_call_id?: string } {
  return {
    ...(m.tool_calls?.length ? { tool_calls: m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) } : {}),
    ...(m.tool_call_id !== undefined ? { tool_call_id: m.tool_call_id } : {}),
  };
}
