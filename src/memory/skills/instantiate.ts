// Renders a skill for one run: parameters validated against its JSON Schema, defaults applied, and
// every `{placeholder}` replaced in step texts, conditions and tool arguments.
import { Validator } from "@cfworker/json-schema";
import type { Skill, SkillDraft, SkillToolCall } from "./types";
import type { SkillIssue } from "./validate";

export interface InstantiatedStep {
  text: string;
  tool: SkillToolCall | null;
  condition: string | null;
}

export type InstantiateResult = { ok: true; steps: InstantiatedStep[]; params: Record<string, unknown> } | { ok: false; errors: SkillIssue[] };

const PLACEHOLDER_RE = /\{([a-z][a-z0-9_]{0,63})\}/g;
const WHOLE_PLACEHOLDER_RE = /^\{([a-z][a-z0-9_]{0,63})\}$/;

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Substitutes placeholders in `text`; names without a value are collected in `missing`. */
function fill(text: string, values: Record<string, unknown>, missing: Set<string>): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string) => {
    if (!(name in values)) {
      missing.add(name);
      return whole;
    }
    return show(values[name]);
  });
}

/** Substitutes inside tool arguments; a string that is exactly one placeholder takes the value with its type. */
function fillValue(v: unknown, values: Record<string, unknown>, missing: Set<string>): unknown {
  if (typeof v === "string") {
    const whole = WHOLE_PLACEHOLDER_RE.exec(v);
    if (whole) {
      if (!(whole[1]! in values)) {
        missing.add(whole[1]!);
        return v;
      }
      return values[whole[1]!];
    }
    return fill(v, values, missing);
  }
  if (Array.isArray(v)) return v.map((x) => fillValue(x, values, missing));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillValue(x, values, missing)]));
  return v;
}

/**
 * Validates `params` against `skill.parameters` (unknown names, required names, types, enums),
 * applies defaults and renders the steps. A placeholder whose parameter has neither a value nor a
 * default is an error too: no step is returned with a hole in it.
 */
export function instantiateSkill(skill: Skill | SkillDraft, params: Record<string, unknown>): InstantiateResult {
  const errors: SkillIssue[] = [];
  if (typeof params !== "object" || params === null || Array.isArray(params)) return { ok: false, errors: [{ path: "params", message: "must be an object" }] };
  const schema = skill.parameters;
  // No prototype: a parameter called "__proto__" or "constructor" is only ever a key.
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) {
    if (!Object.hasOwn(schema.properties, k)) errors.push({ path: `params.${k}`, message: "is not a parameter of this skill" });
    else if (v !== undefined && v !== null) values[k] = v;
  }
  for (const [k, s] of Object.entries(schema.properties)) if (!(k in values) && s.default !== undefined) values[k] = s.default;
  for (const r of schema.required) if (!(r in values)) errors.push({ path: `params.${r}`, message: "is required" });
  const result = new Validator(schema as unknown as Record<string, unknown>, "2020-12", false).validate(values);
  for (const e of result.errors) {
    // The aggregate units ("properties", "required", "additionalProperties") are reported above or by their leaf.
    if (e.keyword === "properties" || e.keyword === "required" || e.keyword === "additionalProperties") continue;
    const key = e.instanceLocation.replace(/^#\/?/, "").split("/")[0] ?? "";
    const path = key ? `params.${decodeURIComponent(key)}` : "params";
    if (errors.some((x) => x.path === path)) continue;
    errors.push({ path, message: e.error });
  }
  if (errors.length) return { ok: false, errors };
  const missing = new Set<string>();
  const steps = skill.steps.map((s) => ({
    text: fill(s.text, values, missing),
    tool: s.tool ? { name: s.tool.name, arguments: fillValue(s.tool.arguments, values, missing) as Record<string, unknown> } : null,
    condition: s.condition === null ? null : fill(s.condition, values, missing),
  }));
  if (missing.size) return { ok: false, errors: [...missing].map((m) => ({ path: `params.${m}`, message: "is used by a step but has no value and no default" })) };
  return { ok: true, steps, params: { ...values } };
}
