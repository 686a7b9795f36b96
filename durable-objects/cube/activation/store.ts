// The activation rows of the cube: its settings (meta) and one block row per user.
import { activationPatchSchema, DEFAULT_ACTIVATION_CONFIG, type ActivationConfig } from "../../../src/memory/activation/config";

const CONFIG_KEY = "activation_config";
const BUDGET_KEY = "activation_budget";

export function readActivationConfig(sql: SqlStorage): ActivationConfig {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", CONFIG_KEY).toArray()[0];
  if (!row) return { ...DEFAULT_ACTIVATION_CONFIG };
  // Stored settings over the defaults: a setting added later reads as its default.
  const parsed = activationPatchSchema.safeParse(JSON.parse(row.value));
  const given = parsed.success ? Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) : {};
  return { ...DEFAULT_ACTIVATION_CONFIG, ...given };
}

export function writeActivationConfig(sql: SqlStorage, config: ActivationConfig): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", CONFIG_KEY, JSON.stringify(config));
}

/** What the node reported at the last run: the budget this cube works within. */
export interface BudgetSeen {
  node: string;
  node_budget_bytes: number;
  node_bytes_in_use: number;
  kv_bytes_per_token: number;
  /** This cube's share: fill × the node's budget, under the cube's own cap. */
  budget_bytes: number;
  at: number;
}

export function readBudget(sql: SqlStorage): BudgetSeen | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", BUDGET_KEY).toArray()[0];
  return row ? (JSON.parse(row.value) as BudgetSeen) : null;
}

export function writeBudget(sql: SqlStorage, b: BudgetSeen): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", BUDGET_KEY, JSON.stringify(b));
}

export interface BlockRow {
  user_key: string;
  user_id: string | null;
  text: string;
  hash: string;
  profile_hash: string;
  memory_ids: string[];
  weights: Record<string, number>;
  tokens: number;
  rendered_at: number;
  block_id: string | null;
  node: string | null;
  size_bytes: number | null;
  registered_at: number | null;
  warmed_at: number | null;
  /** The heat the bridge was last told (it ranks blocks across cubes by it); null: none yet. */
  reported_heat: number | null;
}

interface Raw extends Record<string, SqlStorageValue> {
  user_key: string;
  user_id: string | null;
  text: string;
  hash: string;
  profile_hash: string;
  memory_ids: string;
  weights: string;
  tokens: number;
  rendered_at: number;
  block_id: string | null;
  node: string | null;
  size_bytes: number | null;
  registered_at: number | null;
  warmed_at: number | null;
  reported_heat: number | null;
}

export const userKey = (userId: string | null) => userId ?? "";

const fromRaw = (r: Raw): BlockRow => ({ ...r, memory_ids: JSON.parse(r.memory_ids) as string[], weights: JSON.parse(r.weights) as Record<string, number> });

export function readBlocks(sql: SqlStorage): BlockRow[] {
  return sql.exec<Raw>("SELECT * FROM activation_blocks ORDER BY user_key").toArray().map(fromRaw);
}

export function readBlock(sql: SqlStorage, userId: string | null): BlockRow | null {
  const r = sql.exec<Raw>("SELECT * FROM activation_blocks WHERE user_key = ?", userKey(userId)).toArray()[0];
  return r ? fromRaw(r) : null;
}

export function writeBlock(sql: SqlStorage, b: BlockRow): void {
  sql.exec(
    "INSERT OR REPLACE INTO activation_blocks (user_key, user_id, text, hash, profile_hash, memory_ids, weights, tokens, rendered_at, block_id, node, size_bytes, registered_at, warmed_at, reported_heat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    b.user_key,
    b.user_id,
    b.text,
    b.hash,
    b.profile_hash,
    JSON.stringify(b.memory_ids),
    JSON.stringify(b.weights),
    b.tokens,
    b.rendered_at,
    b.block_id,
    b.node,
    b.size_bytes,
    b.registered_at,
    b.warmed_at,
    b.reported_heat,
  );
}

export function deleteBlock(sql: SqlStorage, userId: string | null): void {
  sql.exec("DELETE FROM activation_blocks WHERE user_key = ?", userKey(userId));
}

/**
 * Blanks the text of every block row that carries one of these memories (they were deleted): the
 * text must not outlive them here. The row and its bridge block id stay, so that the activation
 * task renders the block again or evicts it. Answers how many rows.
 */
export function scrubBlocksWith(sql: SqlStorage, memoryIds: readonly string[]): number {
  if (memoryIds.length === 0) return 0;
  const gone = new Set(memoryIds);
  const hit = readBlocks(sql).filter((b) => b.memory_ids.some((id) => gone.has(id)));
  for (const b of hit) sql.exec("UPDATE activation_blocks SET text = '', hash = 'scrubbed', weights = '{}' WHERE user_key = ?", b.user_key);
  return hit.length;
}

/**
 * Memory ids among `ids` that are no longer what the block says: not live any more (deleted,
 * superseded, archived, expired) or changed after `since` (the block's render).
 */
export function notLive(sql: SqlStorage, ids: readonly string[], now: number, since: number = Number.POSITIVE_INFINITY): string[] {
  if (ids.length === 0) return [];
  const live = new Set(
    sql
      .exec<{ id: string }>(
        "SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?)) AND state = 'active' AND valid_to IS NULL AND (expires_at IS NULL OR expires_at > ?) AND updated_at <= ?",
        JSON.stringify(ids),
        now,
        since,
      )
      .toArray()
      .map((r) => r.id),
  );
  return ids.filter((id) => !live.has(id));
}
