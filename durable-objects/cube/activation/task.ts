// The activation task: which users' blocks the node holds, rendered again only when worth it, kept warm.
import type { BlockChange } from "@memos-edge/bridge-protocol";
import type { BridgeClient, NodeStats } from "../../../src/bridge/client";
import type { ActivationConfig } from "../../../src/memory/activation/config";
import { decideRender } from "../../../src/memory/activation/change";
import { placeBlocks } from "../../../src/memory/activation/evict";
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import type { TaskOutcome } from "../../../src/memory/scheduler/plan";
import { ApiError } from "../../../src/errors";
import { recordDecision } from "../scheduler/store";
import type { HeatRecorder } from "./heat";
import { currentBlock, hotUsers, type CurrentBlock } from "./render";
import { notLive, readActivationConfig, readBlocks, userKey, writeBlock, writeBudget, type BlockRow, type BudgetSeen } from "./store";

/** Users one run considers (hottest first). */
const USERS_PER_RUN = 100;
/** A block's heat is reported to the bridge again (a refresh) once it moved by this share since the last report. */
const REPORT_CHANGE = 0.2;

export interface ActivationDeps {
  sql: SqlStorage;
  identity: CubeIdentity;
  heat: HeatRecorder;
  /** Null when no bridge is configured. */
  bridge: BridgeClient | null;
  now: number;
}

const note = (sql: SqlStorage, at: number, reason: string) => recordDecision(sql, { at, task: "activation", decision: "run", reason });

/** The node this cube's blocks go to: the first one serving a model, as the bridge picks by default. */
function nodeOf(nodes: readonly NodeStats[]): NodeStats {
  const n = nodes[0];
  if (!n) throw new Error("bridge unavailable: it reports no node");
  return n;
}

const isMissing = (err: unknown) => err instanceof ApiError && err.code === "not_found";
/** The bridge has no room for the block now: it ranks below the node's blocks (across cubes), or pinned blocks fill it. */
const isNotAdmitted = (err: unknown) =>
  err instanceof ApiError && typeof err.details === "object" && err.details !== null && (err.details as { bridge_code?: unknown }).bridge_code === "budget_exceeded";

export async function runActivation(deps: ActivationDeps): Promise<TaskOutcome> {
  const { sql, now } = deps;
  const config = readActivationConfig(sql);
  const rows = readBlocks(sql);
  // Nothing hot and no block: nothing to ask the bridge.
  if (rows.length === 0 && hotUsers(sql, deps.heat, now, 1).every((u) => u.heat < config.min_user_heat)) return { next_at: null };
  if (!deps.bridge) throw new Error("bridge unavailable: BRIDGE_URL / BRIDGE_SECRET are not set; backing off");
  const bridge = deps.bridge;
  const scope = { tenant_id: deps.identity.tenant_id, cube_id: deps.identity.cube_id };
  let nodes: NodeStats[];
  try {
    nodes = (await bridge.nodes(scope)).nodes;
  } catch (err) {
    throw new Error(`bridge unavailable: ${err instanceof Error ? err.message : String(err)}; backing off`);
  }
  const node = nodeOf(nodes);
  const own = rows.reduce((s, r) => s + (r.block_id ? (r.size_bytes ?? 0) : 0), 0);
  const budget: BudgetSeen = {
    node: node.id,
    node_budget_bytes: node.budgetBytes,
    node_bytes_in_use: node.bytesInUse,
    kv_bytes_per_token: node.kvBytesPerToken ?? 0,
    budget_bytes: Math.floor(Math.min(node.budgetBytes * config.fill, config.budget_bytes ?? Number.POSITIVE_INFINITY)),
    at: now,
  };
  writeBudget(sql, budget);
  const byUser = new Map(rows.map((r) => [r.user_key, r]));

  if (!config.enabled) {
    let evicted = 0;
    for (const r of rows) if (r.block_id && (await release(bridge, scope, sql, r, now, "activation is off for this cube"))) evicted++;
    return { next_at: null, ...(evicted ? { note: `evicted ${evicted} blocks (activation off)` } : {}) };
  }

  // Every user with heat, and every user with a block row (theirs may have cooled to nothing).
  const hot = hotUsers(sql, deps.heat, now, USERS_PER_RUN);
  const users = new Map(hot.map((u) => [userKey(u.user_id), u]));
  for (const r of rows) if (!users.has(r.user_key)) users.set(r.user_key, { user_id: r.user_id, heat: 0 });
  const current = new Map<string, CurrentBlock>();
  for (const [key, u] of users) current.set(key, await currentBlock(sql, deps.identity, deps.heat, u.user_id, config, now));

  const perToken = budget.kv_bytes_per_token || sizePerToken(rows) || 1;
  const placement = placeBlocks(
    [...current.entries()].filter(([, b]) => !b.empty).map(([key, b]) => {
      const row = byUser.get(key);
      const sameText = row?.hash === b.hash && row.block_id && row.size_bytes;
      return { user_key: key, heat: b.heat, bytes: sameText ? (row.size_bytes as number) : b.tokens * perToken };
    }),
    budget.budget_bytes,
    config.min_user_heat,
  );
  let registered = 0;
  let rerendered = 0;
  let evicted = 0;
  let warmed = 0;
  let refused = 0;
  // What the bridge ranks blocks by, across every cube on the node: each user's heat as it reads now.
  const rank = (k: string) => ({ heat: (current.get(k) as CurrentBlock).heat, half_life_ms: config.half_life_ms });
  for (const d of placement.drop) {
    const row = byUser.get(d.user_key);
    if (row?.block_id && (await release(bridge, scope, sql, row, now, d.reason))) evicted++;
  }
  for (const k of placement.keep) {
    const next = current.get(k.user_key) as CurrentBlock;
    const row = byUser.get(k.user_key) ?? null;
    // A row keeps its text whether or not the bridge holds it: chats send that text inline, byte
    // for byte, so it is re-rendered by the same rule either way (a prefix that keeps changing
    // would never be found in the node's own cache).
    const prev = row ? { hash: row.hash, profile_hash: row.profile_hash, memory_ids: row.memory_ids, weights: row.weights, rendered_at: row.rendered_at } : null;
    const decision = decideRender(prev, { ...next, rendered_at: now }, row ? notLive(sql, row.memory_ids, now, row.rendered_at) : [], now, config);
    const who = next.user_id ?? "(no user)";
    if (decision.action === "keep" && row?.block_id) {
      // Warm again on the cadence, or sooner when the heat moved enough that the bridge's ranking should hear of it.
      const heat = next.heat;
      const moved = row.reported_heat === null || Math.abs(heat - row.reported_heat) > REPORT_CHANGE * Math.max(row.reported_heat, config.min_user_heat);
      if (!moved && row.warmed_at !== null && now - row.warmed_at < config.keep_warm_ms) continue;
      try {
        const change = await bridge.refreshBlock(scope, row.block_id, rank(k.user_key));
        forgetEvicted(sql, change.evicted);
        writeBlock(sql, { ...row, size_bytes: change.block.size_bytes, warmed_at: now, reported_heat: heat });
        warmed++;
        continue;
      } catch (err) {
        if (!isMissing(err)) throw err;
        note(sql, now, `register ${who}: the bridge no longer holds block ${row.block_id}`);
      }
    } else if (decision.action !== "keep") note(sql, now, `${decision.action} ${who}: ${decision.reason}`);
    // Kept text that the bridge does not hold (not admitted before, or dropped since) is offered again as it is.
    const content = decision.action === "keep" && row ? { text: row.text, memory_ids: row.memory_ids, tokens: row.tokens, rendered_at: row.rendered_at, hash: row.hash, profile_hash: row.profile_hash, weights: row.weights } : { ...next, rendered_at: now };
    const rendered = { user_key: k.user_key, user_id: next.user_id, text: content.text, hash: content.hash, profile_hash: content.profile_hash, memory_ids: content.memory_ids, weights: content.weights, tokens: content.tokens, rendered_at: content.rendered_at };
    let change: BlockChange;
    try {
      change = await bridge.registerBlock(scope, { memory_ids: content.memory_ids, text: content.text, ...rank(k.user_key), ...(row?.block_id ? { replaces: row.block_id } : {}) });
    } catch (err) {
      if (!isNotAdmitted(err)) throw err;
      // Not admitted: no warm-ups for it; chats send the text inline and the node's own LRU may still serve it.
      if (row?.block_id) await bridge.evictBlock(scope, row.block_id).catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e)));
      if (!row || row.hash !== content.hash || row.block_id) note(sql, now, `not admitted ${who}: ${err instanceof Error ? err.message : String(err)}`);
      writeBlock(sql, { ...rendered, block_id: null, node: null, size_bytes: null, registered_at: null, warmed_at: null, reported_heat: null });
      refused++;
      continue;
    }
    forgetEvicted(sql, change.evicted);
    if (decision.action === "keep") note(sql, now, `register ${who}: the kept block, offered again, was admitted by the bridge`);
    const old = row?.block_id && row.block_id !== change.block.id && !change.evicted.includes(row.block_id) ? row.block_id : null;
    writeBlock(sql, { ...rendered, block_id: change.block.id, node: change.block.node, size_bytes: change.block.size_bytes, registered_at: now, warmed_at: now, reported_heat: next.heat });
    if (old) await bridge.evictBlock(scope, old).catch((err: unknown) => (isMissing(err) ? null : Promise.reject(err)));
    if (decision.action === "rerender") rerendered++;
    else registered++;
  }
  const parts = [registered && `registered ${registered}`, rerendered && `re-rendered ${rerendered}`, warmed && `kept ${warmed} warm`, refused && `${refused} not admitted by the bridge`, evicted && `evicted ${evicted}`].filter(Boolean);
  // Kept blocks are warmed again before the node's LRU forgets them.
  return { next_at: placement.keep.length && config.keep_warm_ms > 0 ? now + config.keep_warm_ms : null, ...(parts.length ? { note: `${parts.join(", ")} blocks; ${placement.bytes_kept} of ${budget.budget_bytes} bytes` } : {}) };
}

function sizePerToken(rows: readonly BlockRow[]): number {
  const r = rows.find((x) => x.size_bytes && x.tokens);
  return r ? Math.ceil((r.size_bytes as number) / r.tokens) : 0;
}

/** Blocks the bridge evicted to make room (maybe ours): no longer registered. */
function forgetEvicted(sql: SqlStorage, ids: readonly string[]): void {
  if (ids.length) sql.exec("UPDATE activation_blocks SET block_id = NULL, size_bytes = NULL WHERE block_id IN (SELECT value FROM json_each(?))", JSON.stringify(ids));
}

async function release(bridge: BridgeClient, scope: { tenant_id: string; cube_id: string }, sql: SqlStorage, row: BlockRow, now: number, reason: string): Promise<boolean> {
  if (!row.block_id) return false;
  await bridge.evictBlock(scope, row.block_id).catch((err: unknown) => (isMissing(err) ? null : Promise.reject(err)));
  writeBlock(sql, { ...row, block_id: null, node: null, size_bytes: null, registered_at: null, warmed_at: null, reported_heat: null });
  note(sql, now, `evict ${row.user_id ?? "(no user)"}: ${reason}`);
  return true;
}

/**
 * Evicts every block of the cube (it is being deleted): the task's, and any the bridge lists for
 * it (registered through the API); errors are logged, not thrown.
 */
export async function releaseAll(sql: SqlStorage, identity: CubeIdentity, bridge: BridgeClient | null): Promise<void> {
  if (!bridge) return;
  const scope = { tenant_id: identity.tenant_id, cube_id: identity.cube_id };
  const ids = new Set(readBlocks(sql).flatMap((r) => (r.block_id ? [r.block_id] : [])));
  try {
    for (const b of (await bridge.listBlocks(scope)).blocks) ids.add(b.id);
  } catch (err) {
    console.warn(JSON.stringify({ level: "warn", message: "activation blocks not listed for eviction", cube_id: identity.cube_id, error: String(err) }));
  }
  for (const id of ids) {
    await bridge.evictBlock(scope, id).catch((err: unknown) => {
      if (!isMissing(err)) console.warn(JSON.stringify({ level: "warn", message: "activation block not evicted", block_id: id, error: String(err) }));
    });
  }
}
