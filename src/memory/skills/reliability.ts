// How use changes a skill: success/failure feedback updates its reliability, and the lifecycle
// probationary → active → retired follows from confirmations, feedback and supersession.
import type { SkillReliability, SkillState } from "./types";

/** Successes that make a probationary skill active without an explicit confirmation. */
export const ACTIVATE_AFTER_SUCCESSES = 2;
/** Below this reliability score, once used at least `RETIRE_MIN_USES` times, a skill is retired. */
export const RETIRE_BELOW_SCORE = 0.3;
/** Uses needed before a low score can retire a skill: a new skill is not judged on one bad run. */
export const RETIRE_MIN_USES = 5;

/** Laplace-smoothed success rate: (successes + 1) / (uses + 2); 0.5 for an unused skill. */
export function reliabilityScore(successes: number, failures: number): number {
  return (successes + 1) / (successes + failures + 2);
}

/** The reliability of a skill never used. */
export function newReliability(): SkillReliability {
  return { successes: 0, failures: 0, score: reliabilityScore(0, 0), last_used_at: null };
}

/** The reliability after one use with `outcome` at epoch ms `at` (a use older than the last keeps last_used_at). */
export function applyFeedback(rel: SkillReliability, outcome: "success" | "failure", at: number): SkillReliability {
  const successes = rel.successes + (outcome === "success" ? 1 : 0);
  const failures = rel.failures + (outcome === "failure" ? 1 : 0);
  return {
    successes,
    failures,
    score: reliabilityScore(successes, failures),
    last_used_at: rel.last_used_at === null ? at : Math.max(rel.last_used_at, at),
  };
}

/**
 * The state after `event`, given the reliability already updated by it:
 * - "superseded" (another skill replaces this one): retired, from any state;
 * - a retired skill stays retired (only an explicit state change revives it);
 * - "confirmed" (a person or agent approved it): probationary → active;
 * - "feedback": retired when score < RETIRE_BELOW_SCORE (0.3) after ≥ RETIRE_MIN_USES (5) uses;
 *   otherwise probationary → active after ≥ ACTIVATE_AFTER_SUCCESSES (2) successes.
 */
export function nextState(state: SkillState, rel: SkillReliability, event: "confirmed" | "feedback" | "superseded"): SkillState {
  if (event === "superseded") return "retired";
  if (state === "retired") return "retired";
  if (event === "confirmed") return "active";
  const uses = rel.successes + rel.failures;
  if (uses >= RETIRE_MIN_USES && rel.score < RETIRE_BELOW_SCORE) return "retired";
  if (state === "probationary" && rel.successes >= ACTIVATE_AFTER_SUCCESSES) return "active";
  return state;
}
