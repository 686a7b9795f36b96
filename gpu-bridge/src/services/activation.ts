// Activation memory: register, refresh, list and evict KV-cache blocks under each node's budget.
import type { ActivationBlock, BlockChange, EvictResult, RegisterBlockRequest } from "@memos-edge/bridge-protocol";
import { backendOf, blockBudget, pickNode } from "../context.js";
import type { BridgeDeps } from "../context.js";
import { BridgeError } from "../errors.js";
import { newId } from "../ids.js";
import type { Block } from "../registry/activation.js";
import type { RankedBlock } from "../registry/rank.js";
import { requireOp, requirePin } from "../backends/types.js";
import type { NodeConfig } from "../config.js";
import { warmAfterTokens } from "./keep-warm.js";

/** Tokens of a text before the node has counted them: about four UTF-8 bytes per token. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(new TextEncoder().encode(text).length / 4));
}

function sizeOf(node: NodeConfig, tokens: number, bytes: number | null): number {
  return bytes ?? tokens * node.kv_bytes_per_token;
}

/** The public shape of a block: content stays on the bridge, only its size travels. */
export function blockView(b: Block): ActivationBlock {
  return {
    id: b.id,
    cube_id: b.cube_id,
    memory_ids: b.memory_ids,
    model: b.model,
    node: b.node_id,
    kind: b.token_ids ? "token_ids" : "text",
    tokens: b.tokens,
    size_bytes: b.size_bytes,
    hits: b.hits,
    pinned: b.pinned,
    created_at: new Date(b.created_at).toISOString(),
    last_used_at: new Date(b.last_used_at).toISOString(),
  };
}

function ownBlock(deps: BridgeDeps, tenantId: string, cubeId: string, id: string): Block {
  const b = deps.blocks.get(id);
  // Another cube's block is reported as missing, so ids reveal nothing across cubes.
  if (!b || b.tenant_id !== tenantId || b.cube_id !== cubeId) throw new BridgeError("not_found", `block ${id} not found`);
  return b;
}

/**
 * No room for the block: pinned blocks fill the node, or (`ranked_out`) the block is worth less
 * per byte than what it would displace. The details name this node's totals only, never another
 * cube's blocks.
 */
function budgetError(deps: BridgeDeps, node: NodeConfig, needed: number, rankedOut = false): BridgeError {
  const message = rankedOut
    ? `node ${node.id} keeps blocks worth more per byte (heat per byte, across cubes); this one is not admitted now`
    : `node ${node.id} has no room for ${needed} bytes without evicting pinned blocks`;
  return new BridgeError("budget_exceeded", message, {
    node: node.id,
    needed_bytes: needed,
    budget_bytes: blockBudget(deps, node),
    in_use_bytes: deps.blocks.bytesInUse(node.id),
    ...(rankedOut ? { reason: "ranked_out" } : {}),
  });
}

/** Where the candidate would stand: its size, heat and scope, used just now. */
function candidate(b: Pick<Block, "id" | "tenant_id" | "pinned">, sizeBytes: number, heat: number, now: number): RankedBlock {
  return { id: b.id, tenant_id: b.tenant_id, size_bytes: sizeBytes, heat, pinned: b.pinned, last_used_at: now };
}

/**
 * Evicts what the ranking across the node's cubes values least so that `cand` fits (blocks in
 * `exclude` are never victims). The registry changes in one transaction; the node is told
 * afterwards, best effort, because a block the registry no longer counts is already free as far
 * as the budget is concerned. Answers the victims' ids that belong to `scope`: a cube learns
 * about its own blocks only.
 */
async function makeRoom(deps: BridgeDeps, node: NodeConfig, cand: RankedBlock, exclude: ReadonlySet<string>, scope: { tenant_id: string; cube_id: string }): Promise<string[]> {
  const victims = deps.blocks.victims(node.id, cand, blockBudget(deps, node), deps.now(), exclude);
  if (victims === null || victims === "ranked_out") throw budgetError(deps, node, cand.size_bytes, victims === "ranked_out");
  if (victims.length === 0) return [];
  deps.db.tx(() => victims.forEach((v) => deps.blocks.delete(v.id)));
  victims.forEach((v) => deps.churn.forget(v.id));
  deps.metrics.evicted(node.id, victims.length);
  const backend = backendOf(deps, node.id);
  for (const v of victims) {
    await backend.release(v).catch((err: unknown) => console.warn(`[gpu-bridge] release ${v.id} on ${node.id} failed`, err));
  }
  return victims.filter((v) => v.tenant_id === scope.tenant_id && v.cube_id === scope.cube_id).map((v) => v.id);
}

/** The caller's block that a new render replaces, when it is on `node`; null otherwise. */
function replaced(deps: BridgeDeps, input: RegisterBlockRequest, node: NodeConfig): Block | null {
  if (!input.replaces) return null;
  const b = deps.blocks.get(input.replaces);
  return b && b.tenant_id === input.tenant_id && b.cube_id === input.cube_id && b.node_id === node.id ? b : null;
}

export async function registerBlock(deps: BridgeDeps, input: RegisterBlockRequest): Promise<BlockChange> {
  const node = pickNode(deps, { node: input.node, model: input.model });
  const model = input.model ?? (node.models[0] as string);
  const backend = backendOf(deps, node.id);
  requireOp(backend, "prefix_warm");
  if (input.token_ids) requireOp(backend, "token_prefix");
  if (input.pinned) requirePin(backend);
  const estimate = input.token_ids ? input.token_ids.length : estimateTokens(input.text ?? "");
  if (estimate * node.kv_bytes_per_token > blockBudget(deps, node)) {
    throw new BridgeError("budget_exceeded", `block of about ${estimate} tokens is larger than node ${node.id}'s whole budget`, {
      node: node.id,
      budget_bytes: blockBudget(deps, node),
    });
  }
  const heat = input.heat ?? 0;
  return deps.serial(node.id, async () => {
    const now = deps.now();
    const old = replaced(deps, input, node);
    const exclude = new Set(old ? [old.id] : []);
    const scope = { tenant_id: input.tenant_id, cube_id: input.cube_id };
    const pinned = input.pinned ?? false;
    // Check before touching the node: a block that cannot fit, or ranks below what it would displace, must not cost a warm-up.
    const estimatedBytes = estimate * node.kv_bytes_per_token;
    const first = deps.blocks.victims(node.id, candidate({ id: "", tenant_id: input.tenant_id, pinned }, estimatedBytes, heat, now), blockBudget(deps, node), now, exclude);
    if (first === null || first === "ranked_out") throw budgetError(deps, node, estimatedBytes, first === "ranked_out");
    const block: Block = {
      id: newId("blk", now),
      tenant_id: input.tenant_id,
      cube_id: input.cube_id,
      memory_ids: input.memory_ids,
      text: input.token_ids ? null : (input.text ?? ""),
      token_ids: input.token_ids ?? null,
      model,
      node_id: node.id,
      size_bytes: 0,
      tokens: estimate,
      hits: 0,
      pinned,
      created_at: now,
      last_used_at: now,
    };
    const warmed = await backend.warm(block, model);
    block.tokens = warmed.tokens ?? estimate;
    block.size_bytes = sizeOf(node, block.tokens, warmed.bytes);
    const evicted = await makeRoom(deps, node, candidate(block, block.size_bytes, heat, now), exclude, scope).catch(async (err: unknown) => {
      await backend.release(block).catch(() => undefined);
      throw err;
    });
    deps.db.tx(() => {
      deps.blocks.insert(block);
      if (old) deps.blocks.delete(old.id);
    });
    deps.blocks.setHeat(block.id, heat, input.half_life_ms ?? null, now);
    deps.churn.mark(node.id, block.id);
    if (old) {
      deps.churn.forget(old.id);
      await backend.release(old).catch((err: unknown) => console.warn(`[gpu-bridge] release ${old.id} on ${node.id} failed`, err));
    }
    return { block: blockView(block), evicted: old ? [...evicted, old.id] : evicted };
  });
}

export function listBlocks(deps: BridgeDeps, tenantId: string, cubeId: string): ActivationBlock[] {
  return deps.blocks.listByCube(tenantId, cubeId).map(blockView);
}

/**
 * Warms the block again (the node may have dropped it) and marks it used; may change pinning and
 * record the heat its cube reports now. On a node the bridge keeps warm (`cache_bytes` known) the
 * warm-up is skipped while the block cannot have left the node's cache.
 */
export async function refreshBlock(deps: BridgeDeps, tenantId: string, cubeId: string, id: string, opts: { pinned?: boolean | undefined; heat?: number | undefined; half_life_ms?: number | undefined } = {}): Promise<BlockChange> {
  const { pinned } = opts;
  const b = ownBlock(deps, tenantId, cubeId, id);
  const node = deps.config.nodes.find((n) => n.id === b.node_id);
  if (!node) throw new BridgeError("no_node", `node ${b.node_id} of block ${id} is no longer configured`, { node: b.node_id });
  const backend = backendOf(deps, node.id);
  if (pinned) requirePin(backend);
  return deps.serial(node.id, async () => {
    // Where the bridge keeps the node warm itself and the block is not due, the node still holds it: a report of heat costs no warm-up.
    const after = warmAfterTokens(deps, node);
    const warmed = after === null || deps.churn.since(node.id, b.id) >= after ? await backend.warm(b, b.model) : { tokens: b.tokens, bytes: b.size_bytes };
    const tokens = warmed.tokens ?? b.tokens;
    const size = sizeOf(node, tokens, warmed.bytes);
    const now = deps.now();
    if (opts.heat !== undefined) deps.blocks.setHeat(b.id, opts.heat, opts.half_life_ms ?? null, now);
    const heat = deps.blocks.heatOf(b.id, now);
    const grown = candidate({ ...b, pinned: pinned ?? b.pinned }, size, heat, now);
    const evicted = size > b.size_bytes ? await makeRoom(deps, node, grown, new Set([b.id]), { tenant_id: tenantId, cube_id: cubeId }) : [];
    deps.db.tx(() => deps.blocks.update(b.id, { size_bytes: size, tokens, last_used_at: now, ...(pinned === undefined ? {} : { pinned }) }));
    deps.churn.mark(node.id, b.id);
    const fresh = deps.blocks.get(b.id);
    if (!fresh) throw new BridgeError("not_found", `block ${id} not found`);
    return { block: blockView(fresh), evicted };
  });
}

/**
 * Drops the block from the registry, then does on the node what the backend's `release`
 * capability says (reported as `release`); `released` is whether that step succeeded. It never
 * touches the node's other blocks.
 */
export async function evictBlock(deps: BridgeDeps, tenantId: string, cubeId: string, id: string): Promise<EvictResult> {
  const b = ownBlock(deps, tenantId, cubeId, id);
  return deps.serial(b.node_id, async () => {
    deps.db.tx(() => deps.blocks.delete(b.id));
    deps.churn.forget(b.id);
    const backend = deps.backends.get(b.node_id);
    let released = false;
    if (backend) {
      released = await backend
        .release(b)
        .then(() => true)
        .catch((err: unknown) => {
          console.warn(`[gpu-bridge] release ${b.id} on ${b.node_id} failed`, err);
          return false;
        });
    }
    return { evicted: b.id, node: b.node_id, released, release: backend ? backend.capabilities.release : null };
  });
}
