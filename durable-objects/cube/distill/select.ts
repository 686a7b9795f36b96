// The stable knowledge of one user as the cube holds it now, and the training set built from it.
import type { DistillConfig } from "../../../src/memory/distill/config";
import { buildTrainingSet, type TrainingSet } from "../../../src/memory/distill/dataset";
import { DISTILL_TYPES, selectStable, type DistillItem } from "../../../src/memory/distill/policy";

/** Most memories of one user the policy reads (the newest). */
const READ_LIMIT = 10_000;

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  version: number;
  user_id: string | null;
  type: string;
  text: string;
  entities: string;
  created_at: number;
  seen_count: number;
  access_count: number;
}

/** The user's live memories of the distilled types: active, open (not superseded), not expired. */
function liveItems(sql: SqlStorage, userId: string | null, now: number): DistillItem[] {
  const types = JSON.stringify(DISTILL_TYPES);
  return sql
    .exec<Row>(
      `SELECT id, version, user_id, type, text, entities, created_at, seen_count, access_count FROM memories
       WHERE user_id IS ? AND state = 'active' AND valid_to IS NULL AND (expires_at IS NULL OR expires_at > ?) AND type IN (SELECT value FROM json_each(?))
       ORDER BY seq DESC LIMIT ?`,
      userId,
      now,
      types,
      READ_LIMIT,
    )
    .toArray()
    .map((r) => ({ ...r, type: r.type as DistillItem["type"], entities: JSON.parse(r.entities) as string[] }));
}

export function stableOf(sql: SqlStorage, userId: string | null, config: DistillConfig, now: number): DistillItem[] {
  return selectStable(liveItems(sql, userId, now), config, now);
}

export function trainingSetOf(sql: SqlStorage, userId: string | null, config: DistillConfig, now: number): Promise<TrainingSet> {
  return buildTrainingSet(stableOf(sql, userId, config, now));
}

/** Users with live memories of a distilled type, in a stable order. */
export function usersWithKnowledge(sql: SqlStorage, limit: number): Array<string | null> {
  return sql
    .exec<{ user_id: string | null }>("SELECT DISTINCT user_id FROM memories WHERE state = 'active' AND valid_to IS NULL AND type IN (SELECT value FROM json_each(?)) ORDER BY user_id LIMIT ?", JSON.stringify(DISTILL_TYPES), limit)
    .toArray()
    .map((r) => r.user_id);
}

/** When the next live memory of a distilled type becomes old enough for the policy (null: none is waiting). */
export function ripensAt(sql: SqlStorage, minAgeMs: number, now: number): number | null {
  const r = sql
    .exec<{ at: number | null }>("SELECT MIN(created_at) AS at FROM memories WHERE state = 'active' AND valid_to IS NULL AND created_at > ? AND type IN (SELECT value FROM json_each(?))", now - minAgeMs, JSON.stringify(DISTILL_TYPES))
    .one();
  return r.at === null ? null : r.at + minAgeMs;
}
