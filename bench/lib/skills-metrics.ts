// bench:skills scoring: how mined steps match ABCD's reference actions (tool name, or for text
// steps the action's words and slot names from ABCD's ontology), LCS for order, and the
// "every imperative sentence is a step" baseline.
import { splitSentences } from "../../src/memory/extraction/sentences.ts";
import { OPERATION_VERBS } from "../../src/memory/skills/mine-text.ts";
import type { SkillStep } from "../../src/memory/skills/types.ts";
import { terms } from "../../src/memory/text.ts";

/** Slot words too generic to tell actions apart (shared by most ids) or not words at all. */
const GENERIC = new Set(["slotval", "id"]);

/**
 * The cue terms of each action: the stemmed words of its name and of its ontology slot names
 * ("validate-purchase" with username, email, order_id → valid, purchas, usernam, email, order).
 * Fixed from the ontology alone, never from mined output.
 */
export function actionCues(slots: Record<string, string[]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [action, names] of Object.entries(slots)) {
    const words = [action, ...names].join(" ").replace(/[-_]/g, " ");
    out.set(action, new Set(terms(words).filter((t) => !GENERIC.has(t))));
  }
  return out;
}

export type StepMatcher = (step: SkillStep, action: string) => boolean;

/** "tools" rule: a step matches the action its tool is named after. */
export const toolMatch: StepMatcher = (step, action) => step.tool?.name === action;

/** "text" rule: a step matches an action when its text shares a cue term with the action. */
export function textMatch(cues: Map<string, Set<string>>): StepMatcher {
  const memo = new Map<string, Set<string>>();
  return (step, action) => {
    let t = memo.get(step.text);
    if (!t) memo.set(step.text, (t = new Set(terms(step.text))));
    const c = cues.get(action);
    if (!c) return false;
    for (const x of t) if (c.has(x)) return true;
    return false;
  };
}

/** Length of the longest common subsequence of mined steps and reference actions under `match`. */
export function lcs<S = SkillStep, R = string>(steps: readonly S[], ref: readonly R[], match: (step: S, ref: R) => boolean): number {
  const dp: number[][] = Array.from({ length: steps.length + 1 }, () => new Array<number>(ref.length + 1).fill(0));
  for (let i = 1; i <= steps.length; i++) {
    for (let j = 1; j <= ref.length; j++) {
      dp[i]![j] = match(steps[i - 1]!, ref[j - 1]!) ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
    }
  }
  return dp[steps.length]![ref.length]!;
}

/** Order-free matching: maximum one-to-one matching of steps to reference actions (augmenting paths). */
export function bipartite<S = SkillStep, R = string>(steps: readonly S[], ref: readonly R[], match: (step: S, ref: R) => boolean): number {
  const owner = new Array<number>(ref.length).fill(-1);
  const tryStep = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < ref.length; j++) {
      if (seen[j] || !match(steps[i]!, ref[j]!)) continue;
      seen[j] = true;
      if (owner[j] === -1 || tryStep(owner[j]!, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  let n = 0;
  for (let i = 0; i < steps.length; i++) if (tryStep(i, new Array<boolean>(ref.length).fill(false))) n++;
  return n;
}

const LEAD = /^(?:(?:ok(?:ay)?|sure|great|thanks|thank\s+you|alright|so|and|now|please|just)\b[\s,.!]*)+/i;

/** The baseline: every imperative sentence (it opens with an operation verb, "please" allowed) of every turn is a step, in order. */
export function imperativeBaseline(texts: readonly string[]): SkillStep[] {
  const out: SkillStep[] = [];
  for (const t of texts) {
    for (const s of splitSentences(t)) {
      const body = s.replace(LEAD, "").trim();
      const first = (body.toLowerCase().match(/^[a-z]+/) ?? [""])[0]!;
      if (OPERATION_VERBS.has(first) && !/\?\s*$/.test(body)) out.push({ text: body, tool: null, condition: null });
    }
  }
  return out;
}
