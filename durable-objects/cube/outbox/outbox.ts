// The outbox: changes recorded with the memory in one transaction, drained to D1 and Vectorize.
import type { Memory } from "../../../src/memory/types";
import { recordUnseen } from "../search/unseen";

/** `skill.created` rows name a skill (its id in memory_id): announced once, by the sinks that announce. */
export type OutboxOp = "upsert" | "delete" | "skill.created";

/** Where drained changes go. Both calls must be idempotent: a drain may repeat after a crash. */
export interface OutboxSink {
  readonly name: string;
  /** Whether `upsert` reads the vectors; loading them is skipped when no sink does. */
  readonly needsVectors: boolean;
  /**
   * How long after `upsert` returns its readers may still not see the write (Vectorize applies
   * mutations asynchronously); 0 or absent: at once. The drain records such memories as unseen.
   */
  readonly visibilityMs?: number;
  upsert(memories: Memory[], vectors: Map<string, Float32Array>): Promise<void>;
  delete(ids: string[]): Promise<void>;
  /** Skills stored since the last drain (id and name; those deleted since are left out). */
  skillsCreated?(skills: Array<{ id: string; name: string; created_at: number }>): Promise<void>;
}

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  memory_id: string;
  op: string;
  attempts: number;
}

export function enqueueOutbox(sql: SqlStorage, memoryId: string, op: OutboxOp, now: number): void {
  sql.exec("INSERT INTO outbox (memory_id, op, next_at) VALUES (?, ?, ?)", memoryId, op, now);
}

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export interface DrainDeps {
  sql: SqlStorage;
  sinks: readonly OutboxSink[];
  /** Current state of a memory, or null when it is gone (deleted or tombstoned). */
  load(ids: string[], withVectors: boolean): { memories: Memory[]; vectors: Map<string, Float32Array> };
  /** The skills still stored among these ids, with their names (absent: no skill rows are drained). */
  loadSkills?(ids: string[]): Array<{ id: string; name: string; created_at: number }>;
  now(): number;
}

export interface DrainReport {
  drained: number;
  failed: number;
  /** When the next drain should run, or null when the outbox is empty. */
  next_at: number | null;
}

/**
 * Drains due outbox rows in seq order, a batch at a time. Rows for the same memory coalesce:
 * the sink receives the memory's state at drain time, so replays and reorderings converge.
 * On a sink failure the batch stays, with attempts counted and the next try backed off.
 */
export async function drainOutbox(deps: DrainDeps, batchSize = 200): Promise<DrainReport> {
  const { sql } = deps;
  let drained = 0;
  let failed = 0;
  for (;;) {
    const now = deps.now();
    const rows = sql.exec<OutboxRow>("SELECT seq, memory_id, op, attempts FROM outbox WHERE next_at <= ? ORDER BY seq LIMIT ?", now, batchSize).toArray();
    if (rows.length === 0) break;
    const lastOp = new Map<string, string>();
    for (const r of rows) lastOp.set(r.memory_id, r.op);
    const upsertIds = [...lastOp].filter(([, op]) => op === "upsert").map(([id]) => id);
    const deleteIds = [...lastOp].filter(([, op]) => op === "delete").map(([id]) => id);
    const skillIds = [...new Set(rows.filter((r) => r.op === "skill.created").map((r) => r.memory_id))];
    const skills = skillIds.length && deps.loadSkills ? deps.loadSkills(skillIds) : [];
    const { memories, vectors } = deps.load(upsertIds, deps.sinks.some((s) => s.needsVectors));
    const present = new Set(memories.map((m) => m.id));
    // A memory deleted after its upsert was queued is gone by now: delete it downstream too.
    for (const id of upsertIds) if (!present.has(id)) deleteIds.push(id);
    try {
      for (const sink of deps.sinks) {
        if (memories.length) {
          await sink.upsert(memories, vectors);
          if (sink.visibilityMs) recordUnseen(sql, memories.map((m) => m.id), deps.now() + sink.visibilityMs);
        }
        if (deleteIds.length) await sink.delete(deleteIds);
        if (skills.length && sink.skillsCreated) await sink.skillsCreated(skills);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const maxSeq = (rows[rows.length - 1] as OutboxRow).seq;
      const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
      sql.exec(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE seq <= ? AND next_at <= ?",
        message.slice(0, 500),
        now + backoffMs(attempts),
        maxSeq,
        now,
      );
      failed += rows.length;
      break;
    }
    const maxSeq = (rows[rows.length - 1] as OutboxRow).seq;
    sql.exec("DELETE FROM outbox WHERE seq <= ? AND next_at <= ?", maxSeq, now);
    drained += rows.length;
    if (rows.length < batchSize) break;
  }
  const next = sql.exec<{ next_at: number | null }>("SELECT MIN(next_at) AS next_at FROM outbox").one().next_at;
  return { drained, failed, next_at: next };
}

export function outboxStats(sql: SqlStorage): { pending: number; max_attempts: number; last_error: string | null } {
  const row = sql
    .exec<{ pending: number; max_attempts: number | null; last_error: string | null }>(
      "SELECT COUNT(*) AS pending, MAX(attempts) AS max_attempts, (SELECT last_error FROM outbox WHERE last_error IS NOT NULL ORDER BY seq DESC LIMIT 1) AS last_error FROM outbox",
    )
    .one();
  return { pending: row.pending, max_attempts: row.max_attempts ?? 0, last_error: row.last_error };
}
