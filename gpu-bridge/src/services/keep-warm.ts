// Keeps a node's resident blocks at the front of its LRU prefix cache, re-warming each just in time.
//
// In an LRU cache of C tokens a block survives while less than C − R tokens of other content came
// in after its last use (R: the resident blocks, which are themselves kept near the front). The
// bridge forwards every prompt the node serves, so it counts that churn itself (ChurnMeter) and
// re-warms a block once half the slack has gone by: before it can fall out, late enough that a
// warm-up of a still-cached block costs the node only its last partial page. Only for nodes whose
// `cache_bytes` is configured; elsewhere the cubes' own keep-warm cadence is all there is.
import type { NodeConfig } from "../config.js";
import { backendOf } from "../context.js";
import type { BridgeDeps } from "../context.js";
import type { Block } from "../registry/activation.js";

/** Tokens of new content after which a resident block of `node` is warmed again; null: not kept warm here. */
export function warmAfterTokens(deps: BridgeDeps, node: NodeConfig): number | null {
  if (!node.cache_bytes) return null;
  const slack = (node.cache_bytes - deps.blocks.bytesInUse(node.id)) / node.kv_bytes_per_token;
  return Math.max(0, slack / 2);
}

/**
 * A forwarded prompt of `promptTokens` (the node's count) that used `used` as its prefix and was
 * answered with `answerTokens` (which the node caches as well). Its tail is churn; on resident
 * blocks, it is also a sample of the conversation demand.
 */
export function recordPrompt(deps: BridgeDeps, node: NodeConfig, promptTokens: number, answerTokens: number, used: readonly Block[]): void {
  if (!node.cache_bytes) return;
  const tail = promptTokens - used.reduce((s, b) => s + b.tokens, 0) + answerTokens;
  deps.churn.add(node.id, tail);
  if (used.length) deps.churn.sample(node.id, tail);
  for (const b of used) deps.churn.mark(node.id, b.id);
  scheduleWarm(deps, node);
}

/** The node's resident blocks due for a warm-up, the longest unwarmed first. */
export function dueBlocks(deps: BridgeDeps, node: NodeConfig): Block[] {
  const after = warmAfterTokens(deps, node);
  if (after === null) return [];
  return deps.blocks
    .idsOnNode(node.id)
    .flatMap((id) => {
      const b = deps.blocks.get(id);
      return b ? [{ b, since: deps.churn.since(node.id, id) }] : [];
    })
    .filter((x) => x.since >= after)
    .sort((x, y) => y.since - x.since)
    .map((x) => x.b);
}

/**
 * Warms the due blocks, one at a time in the node's queue (behind registrations), best effort: a
 * failed warm-up is logged and tried again after the next prompt. At most one run per node waits.
 */
export function scheduleWarm(deps: BridgeDeps, node: NodeConfig): Promise<void> {
  if (dueBlocks(deps, node).length === 0 || !deps.churn.claimRun(node.id)) return Promise.resolve();
  return deps
    .serial(node.id, async () => {
      deps.churn.releaseRun(node.id);
      const backend = backendOf(deps, node.id);
      for (const b of dueBlocks(deps, node)) {
        await backend.warm(b, b.model);
        deps.churn.mark(node.id, b.id);
        deps.metrics.rewarmed(node.id);
      }
    })
    .catch((err: unknown) => {
      deps.churn.releaseRun(node.id);
      console.warn(`[gpu-bridge] keep-warm on ${node.id} failed`, err);
    });
}
