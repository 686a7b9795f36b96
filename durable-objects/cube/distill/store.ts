// Parameter memory's rows in the cube: settings, the adapter attached per user, the job in flight, failures per user.
import { DEFAULT_DISTILL_CONFIG, distillConfigSchema, type DistillConfig } from "../../../src/memory/distill/config";
import type { Source } from "../../../src/memory/distill/policy";

const CONFIG_KEY = "distill:config";

export const userKey = (userId: string | null) => (userId === null ? "" : `u:${userId}`);

export interface AdapterRow {
  user_key: string;
  user_id: string | null;
  adapter_name: string;
  base_model: string;
  sources: Source[];
  dataset_hash: string;
  examples: number;
  job_id: string;
  created_at: number;
  stale_at: number | null;
  stale_reason: string | null;
}

export interface JobRow {
  job_id: string;
  user_key: string;
  user_id: string | null;
  adapter_name: string;
  base_model: string;
  sources: Source[];
  dataset_hash: string;
  examples: number;
  started_at: number;
  polls: number;
  next_poll_at: number;
}

export interface UserState {
  user_key: string;
  failures: number;
  retry_at: number | null;
  last_error: string | null;
}

type Raw<T> = { [K in keyof T]: T[K] extends Source[] ? string : T[K] } & Record<string, SqlStorageValue>;

export function readDistillConfig(sql: SqlStorage): DistillConfig {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", CONFIG_KEY).toArray()[0];
  if (!row) return DEFAULT_DISTILL_CONFIG;
  const parsed = distillConfigSchema.safeParse(JSON.parse(row.value));
  return parsed.success ? parsed.data : DEFAULT_DISTILL_CONFIG;
}

export function writeDistillConfig(sql: SqlStorage, config: DistillConfig): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", CONFIG_KEY, JSON.stringify(config));
}

export function readAdapters(sql: SqlStorage): AdapterRow[] {
  return sql.exec<Raw<AdapterRow>>("SELECT * FROM distill_adapters ORDER BY user_key").toArray().map((r) => ({ ...r, sources: JSON.parse(r.sources) as Source[] }));
}

export function readAdapter(sql: SqlStorage, userId: string | null): AdapterRow | null {
  return readAdapters(sql).find((a) => a.user_key === userKey(userId)) ?? null;
}

/** Attaches an adapter to its user, replacing the one before (and its source index). */
export function writeAdapter(sql: SqlStorage, a: AdapterRow): void {
  sql.exec(
    "INSERT OR REPLACE INTO distill_adapters (user_key, user_id, adapter_name, base_model, sources, dataset_hash, examples, job_id, created_at, stale_at, stale_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    a.user_key,
    a.user_id,
    a.adapter_name,
    a.base_model,
    JSON.stringify(a.sources),
    a.dataset_hash,
    a.examples,
    a.job_id,
    a.created_at,
    a.stale_at,
    a.stale_reason,
  );
  // The adapter replaced: its unload mark goes with it (adapter names are never reused).
  sql.exec("DELETE FROM meta WHERE key LIKE 'distill:unloaded:%' AND substr(key, 18) NOT IN (SELECT adapter_name FROM distill_adapters)");
  sql.exec("DELETE FROM distill_sources WHERE user_key = ?", a.user_key);
  for (const s of a.sources) sql.exec("INSERT OR IGNORE INTO distill_sources (memory_id, user_key) VALUES (?, ?)", s.id, a.user_key);
}

export function markStale(sql: SqlStorage, key: string, at: number, reason: string): void {
  sql.exec("UPDATE distill_adapters SET stale_at = ?, stale_reason = ? WHERE user_key = ? AND stale_at IS NULL", at, reason, key);
}

/**
 * Adapters (not yet stale) trained on a memory that is gone: deleted, expired or no longer
 * there. Deleted means gone: such an adapter must not be used any more.
 */
export function adaptersOnGoneMemories(sql: SqlStorage, now: number, key?: string): Array<{ user_key: string; adapter_name: string; memory_id: string }> {
  return sql
    .exec<{ user_key: string; adapter_name: string; memory_id: string }>(
      `SELECT a.user_key AS user_key, a.adapter_name AS adapter_name, MIN(s.memory_id) AS memory_id
       FROM distill_adapters a JOIN distill_sources s ON s.user_key = a.user_key LEFT JOIN memories m ON m.id = s.memory_id
       WHERE a.stale_at IS NULL ${key === undefined ? "" : "AND a.user_key = ?"} AND (m.id IS NULL OR m.state = 'deleted' OR (m.expires_at IS NOT NULL AND m.expires_at <= ?))
       GROUP BY a.user_key`,
      ...(key === undefined ? [now] : [key, now]),
    )
    .toArray();
}

/** Names of stale adapters not yet deleted from the bridge. */
export function staleNotUnloaded(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>("SELECT adapter_name AS name FROM distill_adapters a WHERE stale_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'distill:unloaded:' || a.adapter_name)")
    .toArray()
    .map((r) => r.name);
}

export function markUnloaded(sql: SqlStorage, adapterName: string): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", `distill:unloaded:${adapterName}`);
}

/** What the cube looked like when the policy last found nothing to distill, and when that may change by time alone. */
export interface Looked {
  mark: string;
  until: number | null;
}

export function readLooked(sql: SqlStorage): Looked | null {
  const v = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'distill:looked'").toArray()[0]?.value;
  return v ? (JSON.parse(v) as Looked) : null;
}

export function writeLooked(sql: SqlStorage, looked: Looked): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('distill:looked', ?)", JSON.stringify(looked));
}

export function readJob(sql: SqlStorage): JobRow | null {
  const r = sql.exec<Raw<JobRow>>("SELECT * FROM distill_jobs ORDER BY started_at LIMIT 1").toArray()[0];
  return r ? { ...r, sources: JSON.parse(r.sources) as Source[] } : null;
}

export function writeJob(sql: SqlStorage, j: JobRow): void {
  sql.exec(
    "INSERT OR REPLACE INTO distill_jobs (job_id, user_key, user_id, adapter_name, base_model, sources, dataset_hash, examples, started_at, polls, next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    j.job_id,
    j.user_key,
    j.user_id,
    j.adapter_name,
    j.base_model,
    JSON.stringify(j.sources),
    j.dataset_hash,
    j.examples,
    j.started_at,
    j.polls,
    j.next_poll_at,
  );
}

export function deleteJob(sql: SqlStorage, id: string): void {
  sql.exec("DELETE FROM distill_jobs WHERE job_id = ?", id);
}

export function readUsers(sql: SqlStorage): UserState[] {
  return sql.exec<UserState & Record<string, SqlStorageValue>>("SELECT user_key, failures, retry_at, last_error FROM distill_users ORDER BY user_key").toArray();
}

export function userFailed(sql: SqlStorage, key: string, retryAt: number, error: string): number {
  const prior = sql.exec<{ failures: number }>("SELECT failures FROM distill_users WHERE user_key = ?", key).toArray()[0]?.failures ?? 0;
  sql.exec("INSERT OR REPLACE INTO distill_users (user_key, failures, retry_at, last_error) VALUES (?, ?, ?, ?)", key, prior + 1, retryAt, error.slice(0, 500));
  return prior + 1;
}

export function userSucceeded(sql: SqlStorage, key: string): void {
  sql.exec("DELETE FROM distill_users WHERE user_key = ?", key);
}

export function failuresOf(sql: SqlStorage, key: string): number {
  return sql.exec<{ failures: number }>("SELECT failures FROM distill_users WHERE user_key = ?", key).toArray()[0]?.failures ?? 0;
}

/** A cube's deletion or a scope's: every row of parameter memory goes with it. */
export function clearDistill(sql: SqlStorage): void {
  sql.exec("DELETE FROM distill_adapters");
  sql.exec("DELETE FROM distill_sources");
  sql.exec("DELETE FROM distill_jobs");
  sql.exec("DELETE FROM distill_users");
}
