// `fine` Mem2Skill: asks the configured LLM for skills as JSON against a schema, validates strictly
// (zod, then the draft limits), and falls back to the rule miner on a bad or failed answer.
import { z } from "zod";
import { ProviderError } from "../../providers/errors";
import type { LLM } from "../../providers/llm";
import { mineSkills, type MineOptions } from "./mine";
import type { SkillDraft, SkillMessage } from "./types";
import { checkDraft, PARAM_NAME_RE, SKILL_NAME_RE } from "./validate";

export const SKILL_PROMPT_VERSION = "2026-12-v1";

const ParamSchema = z.object({
  name: z.string().regex(PARAM_NAME_RE),
  type: z.enum(["string", "number", "integer", "boolean"]),
  description: z.string().max(2000),
  required: z.boolean(),
});

const LlmSkill = z.object({
  name: z.string().min(1).max(64).regex(SKILL_NAME_RE),
  description: z.string().min(1).max(1024),
  when_to_use: z.string().max(2000),
  parameters: z.array(ParamSchema).max(32),
  steps: z
    .array(z.object({ text: z.string().min(1).max(2000), tool: z.string().max(128).nullable(), condition: z.string().max(2000).nullable() }))
    .min(1)
    .max(50),
  preconditions: z.array(z.string().min(1).max(2000)).max(20),
  examples: z.array(z.string().min(1).max(2000)).max(20),
  source_ids: z.array(z.string()).min(1),
});

export const SkillMiningOutput = z.object({ skills: z.array(LlmSkill).max(10) });

const JSON_SCHEMA = z.toJSONSchema(SkillMiningOutput) as Record<string, unknown>;

export const SKILL_SYSTEM = `You find reusable procedures in a conversation between a user, an assistant and its tools, and write each as a skill.
A skill is a procedure that reached its goal: ordered steps, commands, tool calls that succeeded, decisions with conditions.
Never make a skill of small talk, opinions or facts about people. Return {"skills": []} when there is no procedure.
For each skill: name in kebab-case, verb then object ("reset-router-password"); a one-sentence description; when to use it;
parameters for values that vary between uses (ids, names, emails, dates, paths, amounts), each with a JSON type;
steps in order, each with {parameter} placeholders where a parameter's value appears, the tool it calls (or null) and its
condition (or null); preconditions; examples; source_ids: the ids of the messages the skill comes from.
Answer with JSON only, following the schema.`;

export interface FineMineOptions {
  fast?: MineOptions;
  max_tokens?: number;
  /** What a provider failure does: "fallback" (default) to rules, or "throw" so the queue retries later. */
  onProviderError?: "fallback" | "throw";
}

export interface FineMineResult {
  drafts: SkillDraft[];
  outcome: "ok" | "retried" | "fallback";
  errors: string[];
}

function prompt(messages: readonly SkillMessage[]): string {
  const lines = messages.map((m) => {
    const calls = m.tool_calls.map((c) => ` [calls ${c.name}(${c.arguments.slice(0, 500)}) as ${c.id}]`).join("");
    const head = m.role === "tool" ? `tool result for ${m.tool_call_id ?? "?"}` : m.role;
    return `[${m.id}] ${head}: ${m.content.slice(0, 2000)}${calls}`;
  });
  return `Conversation:\n${lines.join("\n")}\n\nReturn the skills as JSON.`;
}

function parseJson(text: string): unknown {
  return JSON.parse(text.trim().replace(/^```(?:json)?\s*/i, "").replace(/\s*```$/, ""));
}

/** Validates one answer into drafts, or a message to show the model. */
export function validateSkillAnswer(text: string, messages: readonly SkillMessage[]): { ok: true; drafts: SkillDraft[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = SkillMiningOutput.safeParse(json);
  if (!parsed.success) return { ok: false, error: `schema mismatch: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` };
  const ids = new Set(messages.map((m) => m.id));
  const drafts: SkillDraft[] = [];
  for (const [i, s] of parsed.data.skills.entries()) {
    const unknown = s.source_ids.filter((id) => !ids.has(id));
    if (unknown.length) return { ok: false, error: `skills.${i}.source_ids: unknown message ids ${unknown.join(", ")}` };
    const draft: SkillDraft = {
      name: s.name,
      description: s.description.trim(),
      when_to_use: s.when_to_use.trim(),
      parameters: {
        type: "object",
        properties: Object.fromEntries(s.parameters.map((p) => [p.name, { type: p.type, ...(p.description ? { description: p.description } : {}) }])),
        required: s.parameters.filter((p) => p.required).map((p) => p.name),
        additionalProperties: false,
      },
      steps: s.steps.map((st) => ({ text: st.text.trim(), tool: st.tool ? { name: st.tool, arguments: {} } : null, condition: st.condition?.trim() || null })),
      preconditions: s.preconditions,
      examples: s.examples,
      source_message_ids: [...new Set(s.source_ids)],
    };
    const issues = checkDraft(draft);
    if (issues.length) return { ok: false, error: `skills.${i}: ${issues.slice(0, 5).map((x) => `${x.path}: ${x.message}`).join("; ")}` };
    drafts.push(draft);
  }
  return { ok: true, drafts };
}

/** Mines skills with `llm` (fine mode), with the outcome; never fails on bad model output. */
export async function mineSkillsFine(messages: SkillMessage[], llm: LLM, opts: FineMineOptions = {}): Promise<FineMineResult> {
  const errors: string[] = [];
  if (messages.length === 0) return { drafts: [], outcome: "ok", errors };
  const convo: Array<{ role: "user" | "assistant"; content: string }> = [{ role: "user", content: prompt(messages) }];
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string;
    try {
      ({ text } = await llm.complete({ system: SKILL_SYSTEM, messages: convo, json_schema: JSON_SCHEMA, schema_name: "skills", max_tokens: opts.max_tokens ?? 2048, temperature: 0 }));
    } catch (err) {
      if (opts.onProviderError === "throw" || !(err instanceof ProviderError)) throw err;
      errors.push(err.message);
      break;
    }
    const result = validateSkillAnswer(text, messages);
    if (result.ok) return { drafts: result.drafts, outcome: attempt === 0 ? "ok" : "retried", errors };
    errors.push(result.error);
    convo.push({ role: "assistant", content: text.slice(0, 4000) }, { role: "user", content: `Your answer was invalid: ${result.error}. Answer again with JSON only, following the schema.` });
  }
  return { drafts: mineSkills(messages, opts.fast), outcome: "fallback", errors };
}

/** Fine-mode mining; the caller passes already-desensitized messages. Falls back to rules on bad output. */
export async function mineSkillsWithLlm(messages: SkillMessage[], llm: LLM, opts: FineMineOptions = {}): Promise<SkillDraft[]> {
  return (await mineSkillsFine(messages, llm, opts)).drafts;
}
