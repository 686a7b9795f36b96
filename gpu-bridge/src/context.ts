// The one dependency object handed to every service and route of the bridge.
import type { BridgeConfig, NodeConfig } from "./config.js";
import type { InferenceBackend } from "./backends/types.js";
import { BridgeError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import { AdapterStore } from "./registry/adapters.js";
import { BlockStore } from "./registry/activation.js";
import { ChurnMeter } from "./registry/churn.js";
import type { RegistryDb } from "./registry/db.js";
import { JobStore } from "./registry/jobs.js";

export interface BridgeDeps {
  config: BridgeConfig;
  db: RegistryDb;
  blocks: BlockStore;
  /** Tokens each node took in since each block's last warm or use (keep-warm.ts). */
  churn: ChurnMeter;
  adapters: AdapterStore;
  jobs: JobStore;
  backends: Map<string, InferenceBackend>;
  metrics: Metrics;
  now: () => number;
  /** Serializes work per key (a node id): budget and cap decisions must not interleave. */
  serial: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

export function makeDeps(parts: Omit<BridgeDeps, "blocks" | "churn" | "adapters" | "jobs" | "serial">): BridgeDeps {
  const chains = new Map<string, Promise<unknown>>();
  return {
    ...parts,
    blocks: new BlockStore(parts.db),
    churn: new ChurnMeter(),
    adapters: new AdapterStore(parts.db),
    jobs: new JobStore(parts.db),
    serial(key, fn) {
      const prev = chains.get(key) ?? Promise.resolve();
      const run = prev.then(fn, fn);
      const tail = run.catch(() => undefined);
      chains.set(key, tail);
      void tail.then(() => {
        if (chains.get(key) === tail) chains.delete(key);
      });
      return run;
    },
  };
}

export function backendOf(deps: BridgeDeps, nodeId: string): InferenceBackend {
  const b = deps.backends.get(nodeId);
  if (!b) throw new BridgeError("no_node", `node ${nodeId} is not configured on this bridge`, { node: nodeId });
  return b;
}

/**
 * The node for new work: the named one, or among the nodes that serve `model` the one with the
 * most free activation budget. The named node must serve the model too.
 */
export function pickNode(deps: BridgeDeps, opts: { node?: string | undefined; model?: string | undefined }): NodeConfig {
  const nodes = deps.config.nodes;
  if (opts.node) {
    const n = nodes.find((x) => x.id === opts.node);
    if (!n) throw new BridgeError("no_node", `node ${opts.node} is not configured on this bridge`, { node: opts.node });
    if (opts.model && !n.models.includes(opts.model)) {
      throw new BridgeError("no_node", `node ${n.id} does not serve model ${opts.model}`, { node: n.id, model: opts.model });
    }
    return n;
  }
  const candidates = opts.model ? nodes.filter((n) => n.models.includes(opts.model as string)) : nodes;
  let best: NodeConfig | undefined;
  let bestFree = -Infinity;
  for (const n of candidates) {
    const free = blockBudget(deps, n) - deps.blocks.bytesInUse(n.id);
    if (free > bestFree) {
      best = n;
      bestFree = free;
    }
  }
  if (!best) throw new BridgeError("no_node", `no node serves model ${opts.model ?? "(none named)"}`, { model: opts.model });
  return best;
}

/** The automatic share before a node has seen enough prompts on resident blocks to measure. */
export const AUTO_SHARE_FALLBACK = 0.25;
/** The least automatic share: a margin for what the window did not see. */
export const AUTO_SHARE_MIN = 0.05;

/**
 * The share of the node's cache (`cache_bytes`) left to conversations. A number is taken as
 * configured. "auto" leaves twice the recent conversation demand (`ChurnMeter.demand`): the
 * bridge re-warms a block once half the slack has come in after it, so the slack must hold that
 * half plus whatever arrives before the warm-up, i.e. a tail or the prompts in flight together.
 */
export function conversationShare(deps: Pick<BridgeDeps, "churn">, n: NodeConfig): number {
  if (n.conversation_share !== "auto") return n.conversation_share;
  const demand = deps.churn.demand(n.id);
  if (demand === null || !n.cache_bytes) return AUTO_SHARE_FALLBACK;
  return Math.min(0.9, Math.max(AUTO_SHARE_MIN, (2 * demand * n.kv_bytes_per_token) / n.cache_bytes));
}

/**
 * Bytes the node's activation blocks may take: `budget_bytes`, and with `cache_bytes` known, no
 * more than the cache less the conversations' share (their KV shares the node's LRU with blocks).
 */
export function blockBudget(deps: Pick<BridgeDeps, "churn">, n: NodeConfig): number {
  return n.cache_bytes ? Math.min(n.budget_bytes, Math.floor(n.cache_bytes * (1 - conversationShare(deps, n)))) : n.budget_bytes;
}
