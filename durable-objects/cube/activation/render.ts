// A user's activation block from what the cube holds now: profile, then their hottest memories.
import { renderBlock, type RenderedBlock } from "../../../src/memory/activation/block";
import type { ActivationConfig } from "../../../src/memory/activation/config";
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import { contentHash } from "../../../src/memory/text";
import { profileNow, storedProfile } from "../scheduler/profile";
import type { HeatRecorder } from "./heat";

export interface CurrentBlock extends RenderedBlock {
  user_id: string | null;
  hash: string;
  profile_hash: string;
  /** The user's heat now: the sum over their live memories. */
  heat: number;
}

/** Users with any heat, hottest first, with their heat now. */
export function hotUsers(sql: SqlStorage, heat: HeatRecorder, now: number, limit: number): Array<{ user_id: string | null; heat: number }> {
  heat.settle(now);
  return sql
    .exec<{ user_id: string | null; s: number }>("SELECT user_id, SUM(heat) AS s FROM memories WHERE heat > 0 AND state = 'active' AND valid_to IS NULL GROUP BY user_id ORDER BY s DESC LIMIT ?", limit)
    .toArray()
    .map((r) => ({ user_id: r.user_id, heat: heat.read(r.s, now) }));
}

export async function currentBlock(sql: SqlStorage, identity: CubeIdentity, heat: HeatRecorder, userId: string | null, config: ActivationConfig, now: number): Promise<CurrentBlock> {
  const stored = storedProfile(sql, userId);
  const profile = stored && !stored.stale ? stored.profile : profileNow(sql, identity, userId, now);
  const profileIds = [...profile.stable, ...profile.preferences, ...profile.current].map((l) => l.memory_id);
  heat.settle(now);
  const rows = sql
    .exec<{ id: string; text: string; heat: number }>(
      "SELECT id, text, heat FROM memories WHERE user_id IS ? AND heat > 0 AND state = 'active' AND valid_to IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY heat DESC LIMIT ?",
      userId,
      now,
      config.block_memories * 3,
    )
    .toArray();
  const total = userHeat(sql, heat, userId, now);
  const profileText = profile.source_count > 0 ? profile.summary : "";
  const block = renderBlock({
    user_id: userId,
    profile: profileText,
    profile_ids: profileIds,
    memories: rows.map((r) => ({ id: r.id, text: r.text, heat: heat.read(r.heat, now) })),
    max_tokens: config.block_tokens,
    max_memories: config.block_memories,
  });
  return { ...block, user_id: userId, hash: await contentHash(block.text), profile_hash: await contentHash(profileText), heat: total };
}

/** A user's heat now: the sum over their live memories. */
export function userHeat(sql: SqlStorage, heat: HeatRecorder, userId: string | null, now: number): number {
  heat.settle(now);
  const s = sql.exec<{ s: number | null }>("SELECT SUM(heat) AS s FROM memories WHERE user_id IS ? AND heat > 0 AND state = 'active' AND valid_to IS NULL", userId).one().s ?? 0;
  return heat.read(s, now);
}
