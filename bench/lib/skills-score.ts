// bench:skills scoring of one dialogue's drafts against its reference (best skill, all skills in
// order, order-free) and the aggregation of dialogues into one table row; generic over what a
// step and a reference step are, so that the lexical and the turn-aligned readings share it.
import type { Variant } from "./skills-data.ts";
import { bipartite, lcs } from "./skills-metrics.ts";

/** "calls only": fast mode with `dialogueSteps: false` (tool calls without the agent's questions and read-backs), tools variant only. */
export type Method = "fast" | "calls only" | "baseline";

export interface Row {
  subset: string;
  variant: Variant;
  method: Method;
  dialogues: number;
  coverage: number;
  any_skill: number;
  precision: number;
  recall: number;
  recall_unordered: number;
  /** All drafts of a dialogue in its order, as one sequence (see `score`). */
  precision_all: number;
  recall_all: number;
  order_lcs: number;
  skills_per_dialogue: number;
}

/** A draft's steps and where it starts in the dialogue (the first of its messages). */
export interface Placed<S> {
  steps: readonly S[];
  at: number;
}

export interface DialogueScore {
  steps: number;
  matched: number;
  matchedAll: number;
  unordered: number;
  order: number;
  covered: boolean;
}

/** Where a draft starts: the position of its first source message in the dialogue. */
export function startOf(sourceIds: readonly string[], order: readonly string[]): number {
  return Math.min(...sourceIds.map((id) => order.indexOf(id)).filter((i) => i >= 0), Number.MAX_SAFE_INTEGER);
}

/**
 * Scores one dialogue: the best-matching draft's LCS against the reference, every mined step
 * counting for precision (fixed before the first run); and, beside it, `matchedAll`: the LCS of
 * all drafts' steps in dialogue order, which does not count a dialogue the miner split into
 * several skills (one per task) as a loss of the parts it did not pick.
 */
export function score<S, R>(drafts: ReadonlyArray<Placed<S>>, ref: readonly R[], match: (step: S, ref: R) => boolean): DialogueScore {
  let best: { steps: readonly S[]; l: number } | null = null;
  for (const d of drafts) {
    const l = lcs(d.steps, ref, match);
    if (!best || l > best.l) best = { steps: d.steps, l };
  }
  const steps = drafts.reduce((n, d) => n + d.steps.length, 0);
  if (!best) return { steps, matched: 0, matchedAll: 0, unordered: 0, order: 0, covered: false };
  const inOrder = [...drafts].sort((a, b) => a.at - b.at).flatMap((d) => d.steps);
  return {
    steps,
    matchedAll: lcs(inOrder, ref, match),
    matched: best.l,
    unordered: bipartite(best.steps, ref, match),
    order: best.l / Math.max(best.steps.length, ref.length),
    covered: best.l * 2 >= ref.length,
  };
}

/** Aggregates per-dialogue scores into one table row (`ref`: reference steps, `n`: drafts). */
export function aggregate(subset: string, variant: Variant, method: Method, s: ReadonlyArray<DialogueScore & { ref: number; n: number }>): Row {
  const sum = (f: (x: (typeof s)[number]) => number) => s.reduce((a, x) => a + f(x), 0);
  return {
    subset,
    variant,
    method,
    dialogues: s.length,
    coverage: sum((x) => (x.covered ? 1 : 0)) / s.length,
    any_skill: sum((x) => (x.n > 0 ? 1 : 0)) / s.length,
    precision: sum((x) => x.matched) / Math.max(1, sum((x) => x.steps)),
    recall: sum((x) => x.matched) / sum((x) => x.ref),
    recall_unordered: sum((x) => x.unordered) / sum((x) => x.ref),
    precision_all: sum((x) => x.matchedAll) / Math.max(1, sum((x) => x.steps)),
    recall_all: sum((x) => x.matchedAll) / sum((x) => x.ref),
    order_lcs: sum((x) => x.order) / s.length,
    skills_per_dialogue: sum((x) => x.n) / s.length,
  };
}
