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
    const free = blockBudget(n) - deps.blocks.bytesInUse(n.id);
    if (free > bestFree) {
      best = n;
      bestFree = free;
    }
  }
  if (!best) throw new BridgeError("no_node", `no node serves model ${opts.model ?? "(any)"}`, { model: opts.model });
  return best;
}

/**
 * Bytes the node's activation blocks may take: `budget_bytes`, and with `cache_bytes` known, no
 * more than the cache less the conversations' share (their KV shares the node's LRU with blocks).
 */
export function blockBudget(n: NodeConfig): number {
  return n.cache_bytes ? Math.min(n.budget_bytes, Math.floor(n.cache_bytes * (1 - n.conversation_share))) : n.budget_bytes;
}
