// search_skills, get_skill, instantiate_skill: the Mem2Skill tools, as POST /v1/skills/search, GET /v1/skills/{id}, POST /v1/skills/{id}/instantiate.
import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { cubeIdSchema, scopeIdSchema } from "../../memory/cube-contract";
import { SKILL_API_LIMITS } from "../../memory/skills-contract";
import { SKILL_ORIGINS, SKILL_STATES } from "../../memory/skills/types";
import { scoredSkillSchema, skillOut, skillSchema } from "../../api/skills";
import { getSkillFor, instantiateFor, searchSkillsFor } from "../../services/skills";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";

const locate = { cube_id: cubeIdSchema.optional(), user_id: scopeIdSchema.optional() };
const stepOut = z.object({ text: z.string(), tool: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()) }).nullable(), condition: z.string().nullable() });

export function registerSkills(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "search_skills",
    title: "Search skills",
    description: "Find reusable procedures (skills) learned from earlier conversations: give what you want to do; one user's (user_id) or cube's skills, else every cube within reach.",
    scope: "memories:read",
    input: z.strictObject({
      query: z.string().min(1).max(SKILL_API_LIMITS.queryChars),
      ...locate,
      agent_id: scopeIdSchema.optional(),
      state: z.enum(SKILL_STATES).optional(),
      origin: z.enum(SKILL_ORIGINS).optional(),
      top_k: z.number().int().min(1).max(SKILL_API_LIMITS.topK).default(5),
    }),
    output: z.object({ results: z.array(scoredSkillSchema) }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, args) {
      const { results } = await searchSkillsFor(deps, who, args);
      return { results: results.map((r) => ({ ...r, skill: skillOut(r.skill) })) };
    },
  });
  addTool(server, td, {
    name: "get_skill",
    title: "Get a skill",
    description: "One skill by id: its parameters (JSON Schema), steps with {placeholders}, preconditions and reliability.",
    scope: "memories:read",
    input: z.strictObject({ id: z.string().min(1).max(200), ...locate }),
    output: skillSchema,
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, { id, ...hint }) {
      return skillOut((await getSkillFor(deps, who, id, hint)).skill);
    },
  });
  addTool(server, td, {
    name: "instantiate_skill",
    title: "Instantiate a skill",
    description: "Render a skill's steps for one run: params are checked against its schema (each bad one is named) and substituted into every step.",
    scope: "memories:read",
    input: z.strictObject({ id: z.string().min(1).max(200), ...locate, params: z.record(z.string(), z.unknown()).default({}) }),
    output: z.object({ skill_id: z.string(), version: z.number().int(), params: z.record(z.string(), z.unknown()), steps: z.array(stepOut) }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run({ deps, who }, { id, params, ...hint }) {
      const out = await instantiateFor(deps, who, id, hint, params);
      return { skill_id: out.skill.id, version: out.skill.version, params: out.params, steps: out.steps };
    },
  });
}
