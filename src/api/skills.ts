// /v1/skills (Mem2Skill): list, upload (JSON or SKILL.md), search, get, edit, delete, versions, instantiate, feedback, export.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { SKILL_ORIGINS, SKILL_STATES, type Skill, type SkillDraft } from "../memory/skills/types";
import { SKILL_API_LIMITS, skillDraftSchema, skillParametersSchema, skillPatchSchema, skillStepSchema, skillToolCallSchema } from "../memory/skills-contract";
import { cubeIdempotency } from "./idempotency";
import {
  createSkillFor,
  deleteSkillFor,
  editSkillFor,
  exportSkillFor,
  feedbackFor,
  getSkillFor,
  instantiateFor,
  listSkillsFor,
  parseUpload,
  searchSkillsFor,
  skillVersionsFor,
} from "../services/skills";
import { coverageSchema } from "./schemas";

export const skills = routes();

const iso = (ms: number) => new Date(ms).toISOString();

export const skillSchema = skillDraftSchema
  .omit({})
  .extend({
    id: z.string(),
    cube_id: z.string(),
    user_id: z.string().nullable(),
    agent_id: z.string().nullable(),
    state: z.enum(SKILL_STATES),
    version: z.number().int(),
    origin: z.enum(SKILL_ORIGINS),
    source_memory_ids: z.array(z.string()),
    reliability: z.object({ successes: z.number().int(), failures: z.number().int(), score: z.number(), last_used_at: z.string().nullable() }),
    hub: z.object({ listing_id: z.string(), source_cube_id: z.string(), source_skill_id: z.string(), source_version: z.number().int() }).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Skill");
export type SkillOut = z.infer<typeof skillSchema>;

export function skillOut(s: Skill): SkillOut {
  return {
    ...s,
    reliability: { ...s.reliability, last_used_at: s.reliability.last_used_at === null ? null : iso(s.reliability.last_used_at) },
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}

const idParam = z.object({ id: z.string().min(1).max(200) });
const locate = z.strictObject({ cube_id: cubeIdSchema.optional(), user_id: scopeIdSchema.optional() });
const target = { user_id: scopeIdSchema.optional(), cube_id: cubeIdSchema.optional(), agent_id: scopeIdSchema.optional() };
const needsCube = (b: { user_id?: string | undefined; cube_id?: string | undefined }) => b.user_id !== undefined || b.cube_id !== undefined;

/** A draft as a caller writes it: the optional parts default (no parameters, no conditions, no tools). */
export const skillInputSchema = z.strictObject({
  name: skillDraftSchema.shape.name.describe("kebab-case, 1 to 64 characters (the Agent Skills name rule)"),
  description: skillDraftSchema.shape.description,
  when_to_use: skillDraftSchema.shape.when_to_use.default(""),
  parameters: skillParametersSchema.default({ type: "object", properties: {}, required: [], additionalProperties: false }),
  steps: z
    .array(z.strictObject({ text: skillStepSchema.shape.text, tool: skillToolCallSchema.nullable().default(null), condition: skillStepSchema.shape.condition.default(null) }))
    .min(1)
    .max(SKILL_API_LIMITS.steps),
  preconditions: skillDraftSchema.shape.preconditions.default([]),
  examples: skillDraftSchema.shape.examples.default([]),
});

const toDraft = (s: z.output<typeof skillInputSchema>): SkillDraft => ({ ...s, source_message_ids: [] });

const createBody = z.strictObject({ ...target, skill: skillInputSchema }).refine(needsCube, { message: "give user_id or cube_id" });
const fileSchema = z.strictObject({ path: z.string().min(1).max(500), content: z.string().max(SKILL_API_LIMITS.skillMdChars) });
const importBody = z
  .strictObject({
    ...target,
    text: z.string().min(1).max(SKILL_API_LIMITS.skillMdChars).optional().describe("the SKILL.md text"),
    files: z.array(fileSchema).min(1).max(SKILL_API_LIMITS.files).optional().describe("a skill folder: SKILL.md and its other files"),
  })
  .refine(needsCube, { message: "give user_id or cube_id" })
  .refine((b) => (b.text === undefined) !== (b.files === undefined), { message: "give exactly one of text or files" });

const createdResponse = z.object({ skill: skillSchema, created: z.boolean().describe("false: a skill with the same steps was already stored, and is answered") });

const create = defineRoute({
  method: "post",
  path: "/",
  tags: ["skills"],
  scope: "memories:write",
  summary: "Upload a skill as a JSON draft: stored probationary, origin upload, texts desensitized (201; 200 when the same steps are already stored)",
  request: { body: jsonContent(createBody) },
  responses: { 201: jsonAnswer(createdResponse, "Stored"), 200: jsonAnswer(createdResponse, "The same skill was already stored") },
});
skills.openapi(create, async (c) => {
  const body = c.req.valid("json");
  const { skill, ...where } = body;
  const out = await createSkillFor(c.get("deps"), c.get("auth"), where, toDraft(skill), await cubeIdempotency(c, body));
  return c.json({ skill: skillOut(out.skill), created: out.created }, out.created ? 201 : 200);
});

const importRoute = defineRoute({
  method: "post",
  path: "/import",
  tags: ["skills"],
  scope: "memories:write",
  summary: "Import a skill from SKILL.md (Agent Skills format: YAML front matter with name and description, then instructions), as text or a folder's files",
  request: { body: jsonContent(importBody) },
  responses: { 201: jsonAnswer(createdResponse, "Stored"), 200: jsonAnswer(createdResponse, "The same skill was already stored") },
});
skills.openapi(importRoute, async (c) => {
  const body = c.req.valid("json");
  const { text, files, ...where } = body;
  const draft = parseUpload(text !== undefined ? text : { files: files ?? [] });
  const out = await createSkillFor(c.get("deps"), c.get("auth"), where, draft, await cubeIdempotency(c, body));
  return c.json({ skill: skillOut(out.skill), created: out.created }, out.created ? 201 : 200);
});

const listQuery = z.strictObject({
  ...target,
  state: z.enum(SKILL_STATES).optional(),
  origin: z.enum(SKILL_ORIGINS).optional(),
  limit: z.coerce.number().int().min(1).max(SKILL_API_LIMITS.listLimit).default(50),
  cursor: z.string().max(500).optional(),
});

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["skills"],
  scope: "memories:read",
  summary: "List skills newest first: of a cube (user_id or cube_id), else of every cube within reach; filtered by agent, state and origin",
  request: { query: listQuery },
  responses: { 200: jsonAnswer(z.object({ skills: z.array(skillSchema), next_cursor: z.string().nullable(), coverage: coverageSchema.optional() })) },
});
skills.openapi(list, async (c) => {
  const page = await listSkillsFor(c.get("deps"), c.get("auth"), c.req.valid("query"));
  return c.json({ skills: page.skills.map(skillOut), next_cursor: page.next_cursor, ...(page.coverage ? { coverage: page.coverage } : {}) }, 200);
});

const searchBody = z.strictObject({
  ...target,
  query: z.string().min(1).max(SKILL_API_LIMITS.queryChars).refine((s) => s.trim().length > 0, "must not be blank"),
  state: z.enum(SKILL_STATES).optional().describe("absent: probationary and active skills (retired ones only when asked)"),
  origin: z.enum(SKILL_ORIGINS).optional(),
  top_k: z.number().int().min(1).max(SKILL_API_LIMITS.topK).default(5),
});
export const scoredSkillSchema = z.object({
  skill: skillSchema,
  score: z.number().describe("fused rank score, 0..1 (1: first on the lexical and the vector route)"),
  score_breakdown: z.object({ lexical_rank: z.number().int().nullable(), vector: z.number().nullable() }),
});

const search = defineRoute({
  method: "post",
  path: "/search",
  tags: ["skills"],
  scope: "memories:read",
  summary: "Search skills by what they do (lexical and vector), in one cube or every cube within reach",
  request: { body: jsonContent(searchBody) },
  responses: { 200: jsonAnswer(z.object({ results: z.array(scoredSkillSchema), coverage: coverageSchema.optional() })) },
});
skills.openapi(search, async (c) => {
  const { results, coverage } = await searchSkillsFor(c.get("deps"), c.get("auth"), c.req.valid("json"));
  return c.json({ results: results.map((r) => ({ ...r, skill: skillOut(r.skill) })), ...(coverage ? { coverage } : {}) }, 200);
});

const get = defineRoute({
  method: "get",
  path: "/{id}",
  tags: ["skills"],
  scope: "memories:read",
  summary: "Get one skill",
  request: { params: idParam, query: locate },
  responses: { 200: jsonAnswer(skillSchema) },
});
skills.openapi(get, async (c) => {
  const { skill } = await getSkillFor(c.get("deps"), c.get("auth"), c.req.valid("param").id, c.req.valid("query"));
  return c.json(skillOut(skill), 200);
});

const patchBody = skillPatchSchema
  .omit({ preconditions: true, examples: true })
  .extend({ expected_version: z.number().int().min(1).optional().describe("refused with 409 unless the skill is at this version") })
  .strict()
  .refine((b) => Object.keys(b).some((k) => k !== "expected_version"), { message: "give at least one field to change" });

const patch = defineRoute({
  method: "patch",
  path: "/{id}",
  tags: ["skills"],
  scope: "memories:write",
  summary: "Edit a skill (name, description, when_to_use, steps, parameters, state): writes a new version",
  request: { params: idParam, query: locate, body: jsonContent(patchBody) },
  responses: { 200: jsonAnswer(skillSchema) },
});
skills.openapi(patch, async (c) => {
  const body = c.req.valid("json");
  const idem = await cubeIdempotency(c, body);
  return c.json(skillOut(await editSkillFor(c.get("deps"), c.get("auth"), c.req.valid("param").id, c.req.valid("query"), body, idem)), 200);
});

const remove = defineRoute({
  method: "delete",
  path: "/{id}",
  tags: ["skills"],
  scope: "memories:write",
  summary: "Delete a skill: it, its versions, sources and vector are gone",
  request: { params: idParam, query: locate },
  responses: { 200: jsonAnswer(z.object({ id: z.string(), deleted: z.boolean() })) },
});
skills.openapi(remove, async (c) => {
  const { id } = c.req.valid("param");
  const idem = await cubeIdempotency(c, { id });
  return c.json(await deleteSkillFor(c.get("deps"), c.env.DB, c.get("auth"), id, c.req.valid("query"), idem), 200);
});

const versions = defineRoute({
  method: "get",
  path: "/{id}/versions",
  tags: ["skills"],
  scope: "memories:read",
  summary: "Every version of a skill, oldest first, with why it was written",
  request: { params: idParam, query: locate },
  responses: { 200: jsonAnswer(z.object({ versions: z.array(z.object({ version: z.number().int(), reason: z.string(), source: z.string().nullable(), at: z.string(), skill: skillSchema })) })) },
});
skills.openapi(versions, async (c) => {
  const list = await skillVersionsFor(c.get("deps"), c.get("auth"), c.req.valid("param").id, c.req.valid("query"));
  return c.json({ versions: list.map((v) => ({ ...v, at: iso(v.at), skill: skillOut(v.skill) })) }, 200);
});

const instantiateBody = z.strictObject({ params: z.record(z.string(), z.unknown()).default({}).refine((p) => JSON.stringify(p).length <= SKILL_API_LIMITS.argumentsBytes, "params are too large") });
const stepOut = z.object({ text: z.string(), tool: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()) }).nullable(), condition: z.string().nullable() });

const instantiate = defineRoute({
  method: "post",
  path: "/{id}/instantiate",
  tags: ["skills"],
  scope: "memories:read",
  summary: "Render a skill's steps with parameters validated against its JSON Schema (400 lists each bad parameter); counts a use",
  request: { params: idParam, query: locate, body: jsonContent(instantiateBody) },
  responses: { 200: jsonAnswer(z.object({ skill_id: z.string(), version: z.number().int(), params: z.record(z.string(), z.unknown()), steps: z.array(stepOut) })) },
});
skills.openapi(instantiate, async (c) => {
  const out = await instantiateFor(c.get("deps"), c.get("auth"), c.req.valid("param").id, c.req.valid("query"), c.req.valid("json").params);
  return c.json({ skill_id: out.skill.id, version: out.skill.version, params: out.params, steps: out.steps }, 200);
});

const feedbackBody = z.strictObject({ outcome: z.enum(["success", "failure"]), note: z.string().max(SKILL_API_LIMITS.noteChars).optional() });

const feedback = defineRoute({
  method: "post",
  path: "/{id}/feedback",
  tags: ["skills"],
  scope: "memories:write",
  summary: "Report a use's outcome: updates reliability; 2 successes make a probationary skill active, a score under 0.3 after 5 uses retires it",
  request: { params: idParam, query: locate, body: jsonContent(feedbackBody) },
  responses: { 200: jsonAnswer(skillSchema) },
});
skills.openapi(feedback, async (c) => {
  const body = c.req.valid("json");
  const idem = await cubeIdempotency(c, body);
  return c.json(skillOut(await feedbackFor(c.get("deps"), c.get("auth"), c.req.valid("param").id, c.req.valid("query"), body, idem)), 200);
});

const exportQuery = locate.extend({ format: z.enum(["json", "markdown"]).default("json") });

const exportRoute = defineRoute({
  method: "get",
  path: "/{id}/export",
  tags: ["skills"],
  scope: "memories:read",
  summary: "Export a skill as a SKILL.md folder (Agent Skills format); format=markdown answers the SKILL.md text alone",
  request: { params: idParam, query: exportQuery },
  responses: {
    200: {
      description: "The folder's files (json), or SKILL.md (markdown)",
      content: { "application/json": { schema: z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) }) }, "text/markdown": { schema: z.string() } },
    },
  },
});
skills.openapi(exportRoute, async (c) => {
  const { format, ...hint } = c.req.valid("query");
  const { files } = await exportSkillFor(c.get("deps"), c.get("auth"), c.req.valid("param").id, hint);
  if (format === "markdown") {
    const md = files.find((f) => f.path.endsWith("SKILL.md")) ?? files[0];
    return c.body(md?.content ?? "", 200, { "content-type": "text/markdown; charset=utf-8" });
  }
  return c.json({ files }, 200);
});
