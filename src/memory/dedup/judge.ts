// The conflict judge: decides what a candidate memory does to its near neighbours.
import type { CandidateMemory, Memory } from "../types";

export const JUDGE_ACTIONS = ["ADD", "UPDATE", "SUPERSEDE", "DELETE", "NOOP"] as const;
export type JudgeAction = (typeof JUDGE_ACTIONS)[number];

/**
 * - ADD: store the candidate as a new memory; neighbours are untouched.
 * - UPDATE: rewrite `target_id` to `text` as a new version (same fact, better wording or detail);
 *   the candidate is not stored separately.
 * - SUPERSEDE: store the candidate and close `target_id`'s validity window (`valid_to`), kept in
 *   history: the fact changed.
 * - DELETE: close `target_id` without storing the candidate: it retracts the old memory.
 * - NOOP: the candidate adds nothing to `target_id`; record that it was seen.
 */
export type JudgeDecision =
  | { action: "ADD"; reason: string }
  | { action: "UPDATE"; target_id: string; text: string; reason: string }
  | { action: "SUPERSEDE"; target_id: string; reason: string }
  | { action: "DELETE"; target_id: string; reason: string }
  | { action: "NOOP"; target_id: string; reason: string };

export interface Judge {
  /** Stable name recorded with each decision ("rules", "llm:<model>"). */
  readonly id: string;
  /**
   * Decides the fate of `candidate` given its current neighbours (active memories of the same
   * scope, most similar first). A decision's `target_id` is always one of the neighbours' ids.
   * Never throws for model trouble: implementations fall back to rules.
   */
  decide(candidate: CandidateMemory, neighbours: readonly Memory[]): Promise<JudgeDecision>;
}

/** Whether `d` names a target among `neighbours` (or needs none). */
export function decisionTargetsNeighbour(d: JudgeDecision, neighbours: readonly Memory[]): boolean {
  return d.action === "ADD" || neighbours.some((n) => n.id === d.target_id);
}
