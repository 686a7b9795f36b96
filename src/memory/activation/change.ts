// When a registered block is worth rendering and warming again: a measure of change and the decision.
//
// The measure is the heat-weighted share of listed memories that changed: memories that came in
// (weighted by their heat now) plus memories that went out (by their heat when the block was
// rendered), over the heat of both. A block whose hottest memories stay is kept even if a few cold
// ones swap at its tail; a changed profile, or a memory that left the cube, always re-renders
// (a deleted memory must not stay in a prefix on a GPU).
import type { ActivationConfig } from "./config";

export interface BlockSummary {
  hash: string;
  profile_hash: string;
  memory_ids: readonly string[];
  weights: Readonly<Record<string, number>>;
  rendered_at: number;
}

export function changeShare(prev: Readonly<Record<string, number>>, next: Readonly<Record<string, number>>): number {
  let changed = 0;
  let total = 0;
  for (const [id, w] of Object.entries(next)) {
    total += w;
    if (!(id in prev)) changed += w;
  }
  for (const [id, w] of Object.entries(prev)) {
    if (id in next) continue;
    total += w;
    changed += w;
  }
  return total > 0 ? changed / total : 0;
}

export type RenderAction = "register" | "rerender" | "keep";

export interface RenderDecision {
  action: RenderAction;
  reason: string;
  share: number;
}

/**
 * `removed`: memories the block carries that are no longer live (deleted, superseded, expired).
 * Same text (hash) keeps the block whatever else; otherwise see the measure above.
 */
export function decideRender(prev: BlockSummary | null, next: BlockSummary, removed: readonly string[], now: number, config: Pick<ActivationConfig, "min_change_share" | "min_rerender_ms">): RenderDecision {
  if (!prev) return { action: "register", reason: "no block yet", share: 1 };
  if (prev.hash === next.hash) return { action: "keep", reason: "same content, same block", share: 0 };
  const share = changeShare(prev.weights, next.weights);
  if (removed.length) return { action: "rerender", reason: `${removed.length} memories in the block are no longer live`, share };
  if (prev.profile_hash !== next.profile_hash) return { action: "rerender", reason: "the profile changed", share };
  const pct = Math.round(share * 100);
  if (share < config.min_change_share) return { action: "keep", reason: `${pct}% of the block's heat changed, below ${Math.round(config.min_change_share * 100)}%`, share };
  const age = now - prev.rendered_at;
  if (age < config.min_rerender_ms) return { action: "keep", reason: `${pct}% changed, but rendered ${Math.round(age / 1000)} s ago (at most every ${Math.round(config.min_rerender_ms / 1000)} s)`, share };
  return { action: "rerender", reason: `${pct}% of the block's heat changed`, share };
}
