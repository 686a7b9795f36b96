// Limits and structural checks of a skill draft: the Agent Skills name rule, sizes, parameter names, placeholders.
import type { SkillDraft, SkillParameters, SkillToolCall } from "./types";

/** One problem with a draft or a file: where (a dotted path such as `steps.2.text`) and what. */
export interface SkillIssue {
  path: string;
  message: string;
}

/** Hard limits on a skill; a draft past any of them is refused, never truncated silently. */
export const SKILL_LIMITS = {
  /** Agent Skills: 1 to 64 characters, lowercase letters, digits and single hyphens. */
  name_max: 64,
  /** Agent Skills: the description is 1 to 1024 characters. */
  description_max: 1024,
  steps_max: 50,
  /** Any one text: a step, when_to_use, a precondition, an example, a condition. */
  text_max: 2000,
  parameters_max: 32,
  preconditions_max: 20,
  examples_max: 20,
  source_message_ids_max: 500,
  /** Bytes of a step's tool arguments once serialized as JSON. */
  tool_arguments_max: 8000,
} as const;

/** The Agent Skills name rule: lowercase alphanumerics, single hyphens inside, no hyphen at either end. */
export const SKILL_NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A parameter name, also the inside of a `{placeholder}`. */
export const PARAM_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
const PLACEHOLDER_RE = /\{([a-z][a-z0-9_]{0,63})\}/g;
const PARAM_TYPES: ReadonlySet<string> = new Set(["string", "number", "integer", "boolean"]);

/** The placeholder names in one text, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER_RE)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Every string inside a JSON-like value (tool arguments), with its path below `base`. */
export function stringsIn(value: unknown, base: string): Array<{ path: string; text: string }> {
  if (typeof value === "string") return [{ path: base, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${base}.${i}`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => stringsIn(v, `${base}.${k}`));
  return [];
}

/** Placeholders a draft uses, in steps (text, condition, tool arguments). */
export function placeholdersOfDraft(d: Pick<SkillDraft, "steps">): string[] {
  const out = new Set<string>();
  for (const s of d.steps) {
    for (const p of placeholdersIn(s.text)) out.add(p);
    if (s.condition) for (const p of placeholdersIn(s.condition)) out.add(p);
    if (s.tool) for (const { text } of stringsIn(s.tool.arguments, "")) for (const p of placeholdersIn(text)) out.add(p);
  }
  return [...out];
}

function checkText(out: SkillIssue[], path: string, v: unknown, max: number, required: boolean): void {
  if (typeof v !== "string") {
    out.push({ path, message: "must be a string" });
    return;
  }
  if (required && v.trim() === "") out.push({ path, message: "must not be empty" });
  if (v.length > max) out.push({ path, message: `must be at most ${max} characters (got ${v.length})` });
}

function checkParameters(out: SkillIssue[], p: SkillParameters | undefined): void {
  if (!p || typeof p !== "object" || p.type !== "object" || typeof p.properties !== "object" || p.properties === null) {
    out.push({ path: "parameters", message: 'must be a JSON Schema object: { type: "object", properties, required, additionalProperties: false }' });
    return;
  }
  if (p.additionalProperties !== false) out.push({ path: "parameters.additionalProperties", message: "must be false" });
  const names = Object.keys(p.properties);
  if (names.length > SKILL_LIMITS.parameters_max) out.push({ path: "parameters.properties", message: `at most ${SKILL_LIMITS.parameters_max} parameters (got ${names.length})` });
  for (const name of names) {
    const path = `parameters.properties.${name}`;
    if (!PARAM_NAME_RE.test(name)) out.push({ path, message: "parameter names are lowercase letters, digits and underscores, starting with a letter, at most 64 characters" });
    const s = p.properties[name]!;
    if (!s || typeof s !== "object" || !PARAM_TYPES.has(s.type)) {
      out.push({ path: `${path}.type`, message: "must be one of string, number, integer, boolean" });
      continue;
    }
    if (s.description !== undefined) checkText(out, `${path}.description`, s.description, SKILL_LIMITS.text_max, false);
    if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0 || s.enum.length > 100)) out.push({ path: `${path}.enum`, message: "must be a list of 1 to 100 values" });
    if (s.default !== undefined) {
      const t = typeof s.default;
      const fits = s.type === "string" ? t === "string" : s.type === "boolean" ? t === "boolean" : t === "number" && (s.type === "number" || Number.isInteger(s.default));
      if (!fits) out.push({ path: `${path}.default`, message: `must be of type ${s.type}` });
    }
  }
  if (!Array.isArray(p.required)) out.push({ path: "parameters.required", message: "must be a list of parameter names" });
  else for (const [i, r] of p.required.entries()) if (!names.includes(r)) out.push({ path: `parameters.required.${i}`, message: `"${r}" is not a declared parameter` });
}

function checkTool(out: SkillIssue[], path: string, t: SkillToolCall): void {
  if (typeof t !== "object" || t === null) {
    out.push({ path, message: "must be an object { name, arguments } or null" });
    return;
  }
  if (typeof t.name !== "string" || !/^[A-Za-z0-9_.:-]{1,128}$/.test(t.name)) out.push({ path: `${path}.name`, message: "must be 1 to 128 letters, digits, _ . : or -" });
  if (typeof t.arguments !== "object" || t.arguments === null || Array.isArray(t.arguments)) {
    out.push({ path: `${path}.arguments`, message: "must be an object" });
    return;
  }
  const size = JSON.stringify(t.arguments).length;
  if (size > SKILL_LIMITS.tool_arguments_max) out.push({ path: `${path}.arguments`, message: `must be at most ${SKILL_LIMITS.tool_arguments_max} characters as JSON (got ${size})` });
}

function checkList(out: SkillIssue[], path: string, v: unknown, max: number): void {
  if (!Array.isArray(v)) {
    out.push({ path, message: "must be a list of strings" });
    return;
  }
  if (v.length > max) out.push({ path, message: `at most ${max} entries (got ${v.length})` });
  for (const [i, s] of v.entries()) checkText(out, `${path}.${i}`, s, SKILL_LIMITS.text_max, true);
}

/** Every problem with a draft; empty when it can be stored. */
export function checkDraft(d: SkillDraft): SkillIssue[] {
  const out: SkillIssue[] = [];
  if (typeof d.name !== "string" || d.name.length < 1 || d.name.length > SKILL_LIMITS.name_max || !SKILL_NAME_RE.test(d.name)) {
    out.push({ path: "name", message: "must be 1 to 64 lowercase letters, digits and single hyphens, not starting or ending with a hyphen" });
  }
  checkText(out, "description", d.description, SKILL_LIMITS.description_max, true);
  checkText(out, "when_to_use", d.when_to_use, SKILL_LIMITS.text_max, false);
  checkParameters(out, d.parameters);
  if (!Array.isArray(d.steps) || d.steps.length === 0) out.push({ path: "steps", message: "must be a list of 1 or more steps" });
  else {
    if (d.steps.length > SKILL_LIMITS.steps_max) out.push({ path: "steps", message: `at most ${SKILL_LIMITS.steps_max} steps (got ${d.steps.length})` });
    for (const [i, s] of d.steps.entries()) {
      if (!s || typeof s !== "object") {
        out.push({ path: `steps.${i}`, message: "must be an object { text, tool, condition }" });
        continue;
      }
      checkText(out, `steps.${i}.text`, s.text, SKILL_LIMITS.text_max, true);
      if (s.condition !== null) checkText(out, `steps.${i}.condition`, s.condition, SKILL_LIMITS.text_max, true);
      if (s.tool !== null) checkTool(out, `steps.${i}.tool`, s.tool);
    }
  }
  checkList(out, "preconditions", d.preconditions, SKILL_LIMITS.preconditions_max);
  checkList(out, "examples", d.examples, SKILL_LIMITS.examples_max);
  if (!Array.isArray(d.source_message_ids) || d.source_message_ids.some((x) => typeof x !== "string")) out.push({ path: "source_message_ids", message: "must be a list of message ids" });
  else if (d.source_message_ids.length > SKILL_LIMITS.source_message_ids_max) out.push({ path: "source_message_ids", message: `at most ${SKILL_LIMITS.source_message_ids_max} ids` });
  if (out.length === 0) {
    const declared = new Set(Object.keys(d.parameters.properties));
    for (const p of placeholdersOfDraft(d)) if (!declared.has(p)) out.push({ path: "steps", message: `placeholder {${p}} is not a declared parameter` });
  }
  return out;
}
