// What the cube answers about activation: the chat's prefix for a user, the scheduler's view, the RPC arguments.
import { z } from "zod";
import { activationPatchSchema } from "../../../src/memory/activation/config";
import { identitySchema, type CubeIdentity } from "../../../src/memory/cube-contract";
import type { HeatRecorder } from "./heat";
import { currentBlock, userHeat } from "./render";
import { notLive, readActivationConfig, readBlock, readBlocks, readBudget, type BudgetSeen } from "./store";

const scopePart = z.string().min(1).max(200);

export const activationArgs = {
  prefix: z.tuple([identitySchema, scopePart.nullable()]),
  config: z.tuple([identitySchema, activationPatchSchema]),
} as const;

export interface ChatPrefix {
  text: string;
  tokens: number;
  /** The bridge's block when the text is the registered one; null: not registered (or out of date). */
  block_id: string | null;
  memory_ids: string[];
  /** The user's heat now (what the bridge ranks their block by). */
  heat: number;
}

/**
 * The registered block when none of its memories changed since it was rendered; else the block
 * rendered now from what the cube holds (the same bytes the task would register), without an id.
 * A user with nothing to put in a block gets an empty prefix.
 */
export async function chatPrefix(sql: SqlStorage, identity: CubeIdentity, heat: HeatRecorder, userId: string | null, now: number): Promise<ChatPrefix> {
  const row = readBlock(sql, userId);
  if (row && row.text && notLive(sql, row.memory_ids, now, row.rendered_at).length === 0) {
    return { text: row.text, tokens: row.tokens, block_id: row.block_id, memory_ids: row.memory_ids, heat: userHeat(sql, heat, userId, now) };
  }
  const block = await currentBlock(sql, identity, heat, userId, readActivationConfig(sql), now);
  if (block.empty) return { text: "", tokens: 0, block_id: null, memory_ids: [], heat: block.heat };
  return { text: block.text, tokens: block.tokens, block_id: null, memory_ids: block.memory_ids, heat: block.heat };
}

export interface ActivationView {
  enabled: boolean;
  half_life_ms: number;
  /** What the node reported at the last run; null before the first. */
  budget: BudgetSeen | null;
  /** Bytes this cube's registered blocks take on the node. */
  bytes_in_use: number;
  blocks: Array<{ user_id: string | null; block_id: string | null; node: string | null; tokens: number; size_bytes: number | null; memories: number; heat: number; rendered_at: number; warmed_at: number | null }>;
}

export function activationView(sql: SqlStorage, heat: HeatRecorder, now: number): ActivationView {
  const config = readActivationConfig(sql);
  const rows = readBlocks(sql);
  heat.settle(now);
  const heats = new Map(
    sql
      .exec<{ user_id: string | null; s: number }>("SELECT user_id, SUM(heat) AS s FROM memories WHERE heat > 0 AND state = 'active' GROUP BY user_id")
      .toArray()
      .map((r) => [r.user_id ?? "", heat.read(r.s, now)]),
  );
  return {
    enabled: config.enabled,
    half_life_ms: config.half_life_ms,
    budget: readBudget(sql),
    bytes_in_use: rows.reduce((s, r) => s + (r.block_id ? (r.size_bytes ?? 0) : 0), 0),
    blocks: rows.map((r) => ({
      user_id: r.user_id,
      block_id: r.block_id,
      node: r.node,
      tokens: r.tokens,
      size_bytes: r.size_bytes,
      memories: r.memory_ids.length,
      heat: heats.get(r.user_key) ?? 0,
      rendered_at: r.rendered_at,
      warmed_at: r.warmed_at,
    })),
  };
}
