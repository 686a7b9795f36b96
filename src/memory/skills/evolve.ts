// Skill evolution: the three-stage dedup of memories applied to skills. A new draft is an exact
// duplicate (same normalized steps), an upgrade of a skill that does the same thing (structural and
// embedding similarity, then a rules judge), or a new skill.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { lexicalSignature, lexicalSimilarity } from "../dedup/lexical";
import { normalizeForHash, stem, tokenize, isStopWord } from "../text";
import { SKILL_LIMITS } from "./validate";
import type { Skill, SkillDraft, SkillParameters, SkillStep } from "./types";

export type EvolveDecision =
  | { action: "create" }
  | { action: "duplicate"; target_id: string; reason: string }
  | { action: "upgrade"; target_id: string; merged: SkillDraft; reason: string };

/** Or: at least this many shared terms… */
export const STEP_SHARED_MIN = 3;
/** …covering this share of the shorter step's terms. */
export const STEP_OVERLAP_MIN = 0.5;
/** A partial overlap ("a variant of the same procedure") merges only when the names agree this much, or… */
export const VARIANT_NAME_MIN = 0.5;
/** …the caller's embedding cosine is at least this. */
export const VARIANT_EMBEDDING_MIN = 0.92;

/** Candidates scoring below this are different skills, whatever the judge would say. */
export const EVOLVE_MIN_SCORE = 0.5;
/** Two text steps are "the same step" at this lexical (stemmed-term Jaccard) similarity or above. */
export const STEP_SAME_MIN = 0.5;

/** JSON with object keys sorted, so that argument order does not change a hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

function stepKey(s: SkillStep): string {
  const tool = s.tool ? `tool:${s.tool.name.toLowerCase()}:${canonical(s.tool.arguments)}` : "";
  return `${tool}|${normalizeForHash(s.text)}|${s.condition === null ? "" : normalizeForHash(s.condition)}`;
}

/** Hex SHA-256 of the normalized steps (text, tool and its arguments, condition): equal for the same procedure written alike. */
export function skillHash(d: SkillDraft): string {
  return bytesToHex(sha256(utf8ToBytes(d.steps.map(stepKey).join("\n"))));
}

/** The text to embed and search: name words, description, when to use, and the steps in order. */
export function skillText(d: SkillDraft): string {
  const steps = d.steps.map((s, i) => `${i + 1}. ${s.condition ? `If ${s.condition}: ` : ""}${s.text}${s.tool ? ` (${s.tool.name})` : ""}`);
  return [d.name.replace(/-/g, " "), d.description, d.when_to_use, ...steps].filter((x) => x.trim() !== "").join("\n");
}

function nameTerms(name: string): Set<string> {
  return new Set(tokenize(name.replace(/[-_]/g, " ")).filter((t) => !isStopWord(t)).map(stem));
}

function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Whether two steps do the same thing: the same tool, or (both without tools) close enough wording. */
export function sameStep(a: SkillStep, b: SkillStep): boolean {
  return sameStepSig(a, b, lexicalSignature(a.text), lexicalSignature(b.text));
}

function sameStepSig(a: SkillStep, b: SkillStep, x: ReadonlySet<string>, y: ReadonlySet<string>): boolean {
  if (a.tool || b.tool) return !!a.tool && !!b.tool && a.tool.name.toLowerCase() === b.tool.name.toLowerCase();
  if (lexicalSimilarity(x, y, 1) >= STEP_SAME_MIN) return true;
  // Short steps worded differently ("May I have your username and order ID?" / "I'll need your
  // username and order ID"): most of the shorter one's terms, at least STEP_SHARED_MIN of them.
  let shared = 0;
  for (const t of x) if (y.has(t)) shared++;
  return shared >= STEP_SHARED_MIN && shared / Math.min(x.size, y.size) >= STEP_OVERLAP_MIN;
}

/** Longest common subsequence of two step lists under `sameStep`, as index pairs in order. */
export function stepAlignment(a: readonly SkillStep[], b: readonly SkillStep[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  // Signatures once per step, and each pair judged once.
  const sa = a.map((s) => lexicalSignature(s.text));
  const sb = b.map((s) => lexicalSignature(s.text));
  const same: boolean[][] = a.map((x, i) => b.map((y, j) => sameStepSig(x, y, sa[i]!, sb[j]!)));
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = same[i]![j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (same[i]![j] && dp[i]![j] === dp[i + 1]![j + 1]! + 1) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

export interface SkillSimilarity {
  name: number;
  tools: number;
  /** LCS of the steps over the longer list's length. */
  steps: number;
  /** Embedding cosine, when the caller gave one. */
  embedding: number | null;
  /** The blend the decision uses, in [0, 1]. */
  score: number;
  common_steps: number;
}

/** How alike two skills are: name terms, tool sets, step order, and the caller's embedding cosine. */
export function skillSimilarity(a: SkillDraft, b: SkillDraft, embedding: number | null = null): SkillSimilarity {
  const name = jaccard(nameTerms(a.name), nameTerms(b.name));
  const ta = new Set(a.steps.flatMap((s) => (s.tool ? [s.tool.name.toLowerCase()] : [])));
  const tb = new Set(b.steps.flatMap((s) => (s.tool ? [s.tool.name.toLowerCase()] : [])));
  const withTools = ta.size > 0 || tb.size > 0;
  const tools = jaccard(ta, tb);
  const common = stepAlignment(a.steps, b.steps).length;
  const steps = common / Math.max(a.steps.length, b.steps.length, 1);
  let structural = withTools ? 0.2 * name + 0.3 * tools + 0.5 * steps : 0.35 * name + 0.65 * steps;
  if (embedding !== null && Number.isFinite(embedding)) structural = 0.6 * structural + 0.4 * Math.max(0, Math.min(1, embedding));
  return { name, tools, steps, embedding, score: structural, common_steps: common };
}

function union(a: readonly string[], b: readonly string[], max: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const x of [...a, ...b]) {
    const k = normalizeForHash(x);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(x);
  }
  return out.slice(0, max);
}

function mergeParameters(a: SkillParameters, b: SkillParameters): SkillParameters {
  const properties = { ...a.properties };
  for (const [k, v] of Object.entries(b.properties)) if (!(k in properties)) properties[k] = v;
  const names = Object.keys(properties).slice(0, SKILL_LIMITS.parameters_max);
  const kept = Object.fromEntries(names.map((k) => [k, properties[k]!]));
  // A parameter stays required only if both versions require it (or only one declares it and requires it).
  const required = names.filter((k) => {
    const inA = k in a.properties;
    const inB = k in b.properties;
    return (!inA || a.required.includes(k)) && (!inB || b.required.includes(k));
  });
  return { type: "object", properties: kept, required, additionalProperties: false };
}

/**
 * Merges a new draft into an existing skill: the steps in order, aligned by LCS, the newer wording
 * for a shared step, steps only one side has inserted where they fall; lists and parameters united.
 */
export function mergeSkills(existing: SkillDraft, draft: SkillDraft): SkillDraft {
  const pairs = stepAlignment(existing.steps, draft.steps);
  const steps: SkillStep[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [existing.steps.length, draft.steps.length] as [number, number]]) {
    while (i < pi) steps.push(existing.steps[i++]!);
    while (j < pj) steps.push(draft.steps[j++]!);
    if (pi < existing.steps.length) {
      const e = existing.steps[pi]!;
      const d = draft.steps[pj]!;
      steps.push({ text: d.text, tool: d.tool ?? e.tool, condition: d.condition ?? e.condition });
      i = pi + 1;
      j = pj + 1;
    }
  }
  const merged: SkillDraft = {
    name: existing.name,
    description: draft.description.length > existing.description.length ? draft.description : existing.description,
    when_to_use: existing.when_to_use || draft.when_to_use,
    parameters: mergeParameters(existing.parameters, draft.parameters),
    steps: steps.slice(0, SKILL_LIMITS.steps_max),
    preconditions: union(existing.preconditions, draft.preconditions, SKILL_LIMITS.preconditions_max),
    examples: union(existing.examples, draft.examples, SKILL_LIMITS.examples_max),
    source_message_ids: [...new Set([...existing.source_message_ids, ...draft.source_message_ids])].slice(-SKILL_LIMITS.source_message_ids_max),
  };
  return merged;
}

function draftOf(s: Skill): SkillDraft {
  return {
    name: s.name,
    description: s.description,
    when_to_use: s.when_to_use,
    parameters: s.parameters,
    steps: s.steps,
    preconditions: s.preconditions,
    examples: s.examples,
    source_message_ids: s.source_message_ids,
  };
}

/**
 * Decides what a new draft does to the skills it resembles (retired skills are ignored):
 * 1. exact: the same `skillHash` → duplicate;
 * 2. similarity: the best candidate by `skillSimilarity`; below EVOLVE_MIN_SCORE (0.5) → create;
 * 3. rules judge on that candidate: the same steps, or the same tool calls in the same order →
 *    duplicate (upgrade when the draft brings new parameters or examples). When the goals agree (names, or embeddings when given, see
 *    VARIANT_*): a draft that is a part of the skill → duplicate; one that extends it, or overlaps
 *    it strongly (score ≥ 0.7, at least half the steps shared) → upgrade with the merged draft.
 *    Otherwise they are different skills → create.
 */
export function evolveSkill(draft: SkillDraft, existing: Array<{ skill: Skill; similarity: number | null }>): EvolveDecision {
  const live = existing.filter((e) => e.skill.state !== "retired");
  const hash = skillHash(draft);
  for (const e of live) if (skillHash(e.skill) === hash) return { action: "duplicate", target_id: e.skill.id, reason: "the same steps (exact hash)" };
  let best: { skill: Skill; sim: SkillSimilarity } | null = null;
  for (const e of live) {
    const sim = skillSimilarity(draft, e.skill, e.similarity);
    if (!best || sim.score > best.sim.score) best = { skill: e.skill, sim };
  }
  if (!best || best.sim.score < EVOLVE_MIN_SCORE) return { action: "create" };
  const { skill, sim } = best;
  const score = sim.score.toFixed(2);
  const sameGoal = sim.name >= VARIANT_NAME_MIN || (sim.embedding !== null && sim.embedding >= VARIANT_EMBEDDING_MIN);
  const merged = () => mergeSkills(draftOf(skill), draft);
  // Tool skills that make the same calls in the same order are the same procedure, however the
  // agent worded its questions around them.
  const calls = (d: SkillDraft): string => d.steps.flatMap((x) => (x.tool ? [x.tool.name.toLowerCase()] : [])).join("\n");
  const sameCalls = calls(draft) !== "" && calls(draft) === calls(skill);
  const all = (sim.common_steps === draft.steps.length && sim.common_steps === skill.steps.length) || sameCalls;
  if (all) {
    const newParams = Object.keys(draft.parameters.properties).filter((k) => !(k in skill.parameters.properties));
    const newExamples = draft.examples.filter((x) => !skill.examples.includes(x));
    if (newParams.length === 0 && newExamples.length === 0) return { action: "duplicate", target_id: skill.id, reason: `the same steps (similarity ${score})` };
    // Only the calls agree: the skill keeps its own steps and takes the draft's parameters and examples.
    const upgraded = sim.common_steps === skill.steps.length && sim.common_steps === draft.steps.length ? merged() : { ...merged(), steps: skill.steps };
    return { action: "upgrade", target_id: skill.id, merged: upgraded, reason: `the same steps with new parameters or examples (similarity ${score})` };
  }
  // One is a part of the other: the same procedure only when the goals agree, else (say) a
  // four-step "remove a service" would be folded into a five-step "remove it and refund".
  if (sim.common_steps === draft.steps.length && sameGoal) return { action: "duplicate", target_id: skill.id, reason: `every step is already in the skill (similarity ${score})` };
  if (sim.common_steps === skill.steps.length && sameGoal) return { action: "upgrade", target_id: skill.id, merged: merged(), reason: `adds ${draft.steps.length - sim.common_steps} step(s) to the skill (similarity ${score})` };
  const shared = sim.common_steps / Math.min(draft.steps.length, skill.steps.length);
  if (sim.score >= 0.7 && shared >= 0.5 && sameGoal) return { action: "upgrade", target_id: skill.id, merged: merged(), reason: `a variant of the same procedure (similarity ${score})` };
  return { action: "create" };
}
