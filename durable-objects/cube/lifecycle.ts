// The cube's lifecycle task: its policy and run state in `meta`, and one run (expire, archive, purge) as the alarm calls it.
import type { MemoryType } from "../../src/memory/types";
import {
  archiveCutoff,
  defaultExpiresAt,
  DEFAULT_POLICY,
  EMPTY_RUN,
  emptyCounts,
  isExpired,
  LIFECYCLE_BATCH,
  needsSweep,
  nextRunAt,
  purgeCutoff,
  SWEEP_EVERY_MS,
  type LifecycleCounts,
  type LifecyclePolicy,
  type LifecycleRun,
} from "../../src/memory/lifecycle";
import { MEMORY_COLUMNS, type MemoryRow } from "./rows";
import { deleteMemory, updateMemory, type StoreContext } from "./memory-store";
import { appendAudit } from "./audit";
import { forgetMergesOf } from "./jobs/job-store";

const POLICY_KEY = "lifecycle_policy";
const RUN_KEY = "lifecycle_run";
/** Who the versions the task writes name as their source. */
const SOURCE = "lifecycle";

function readMeta<T>(sql: SqlStorage, key: string): T | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
  return row ? (JSON.parse(row.value) as T) : null;
}

function writeMeta(sql: SqlStorage, key: string, value: unknown): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, JSON.stringify(value));
}

/** The cube's policy (validated when it was set); the default does nothing. */
export function readPolicy(sql: SqlStorage): LifecyclePolicy {
  return readMeta<LifecyclePolicy>(sql, POLICY_KEY) ?? DEFAULT_POLICY;
}

/** Replaces the policy; the next sweep is due at once, so that a new rule applies on the next wake-up. */
export function writePolicy(sql: SqlStorage, policy: LifecyclePolicy): void {
  writeMeta(sql, POLICY_KEY, policy);
  const run = readRun(sql);
  writeMeta(sql, RUN_KEY, { ...run, next_sweep_at: null });
}

export function readRun(sql: SqlStorage): LifecycleRun {
  return readMeta<LifecycleRun>(sql, RUN_KEY) ?? EMPTY_RUN;
}

/** The expiry the policy gives a new memory of `type` that its add gave none. */
export function policyExpiry(sql: SqlStorage, type: MemoryType, now: number): number | null {
  return defaultExpiresAt(readPolicy(sql), type, now);
}

/** The earliest expiry among memories not yet tombstoned. */
function nextExpiry(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM memories WHERE expires_at IS NOT NULL AND state != 'deleted'").one().t;
}

/** Expired memories become tombstones (reason `expire`), sent through the outbox as deletes. */
function expirePass(ctx: StoreContext, now: number): string[] {
  const rows = ctx.sql
    .exec<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ? AND state != 'deleted' ORDER BY expires_at LIMIT ?`,
      now,
      LIFECYCLE_BATCH,
    )
    .toArray();
  for (const row of rows) {
    deleteMemory(ctx, row, SOURCE, now, "expire");
    forgetMergesOf(ctx.sql, row.id);
  }
  return rows.map((r) => r.id);
}

/** Active memories unused (neither retrieved nor written) since the cutoff become archived. */
function archivePass(ctx: StoreContext, cutoff: number, now: number): string[] {
  const rows = ctx.sql
    .exec<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories WHERE state = 'active' AND MAX(COALESCE(last_access_at, 0), updated_at) < ? ORDER BY seq LIMIT ?`,
      cutoff,
      LIFECYCLE_BATCH,
    )
    .toArray();
  for (const row of rows) updateMemory(ctx, row, { state: "archived" }, "", "archive", SOURCE, now);
  return rows.map((r) => r.id);
}

/**
 * Tombstones deleted before the cutoff lose their row and every version: nothing of the memory is
 * left in the cube. One whose delete has not reached the derived stores yet waits for the outbox.
 */
function purgePass(ctx: StoreContext, cutoff: number): string[] {
  const rows = ctx.sql
    .exec<{ seq: number; id: string }>(
      `SELECT seq, id FROM memories m WHERE state = 'deleted' AND updated_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.memory_id = m.id) ORDER BY seq LIMIT ?`,
      cutoff,
      LIFECYCLE_BATCH,
    )
    .toArray();
  for (const r of rows) {
    ctx.sql.exec("DELETE FROM memory_versions WHERE memory_id = ?", r.id);
    ctx.sql.exec("DELETE FROM vector_unseen WHERE seq = ?", r.seq);
    ctx.vectors.remove(r.seq);
    ctx.sql.exec("DELETE FROM memories WHERE seq = ?", r.seq);
  }
  return rows.map((r) => r.id);
}

/**
 * Records what a pass changed in the cube's chain, as system work (no key, no request): the alarm
 * acts on the policy's behalf. A pass holds at most a batch, within an entry's target limit.
 */
function audited(ctx: StoreContext, action: "memory.expire" | "memory.archive" | "memory.purge", ids: string[], now: number): number {
  if (ids.length) appendAudit(ctx.sql, ctx.identity, null, { action, target_ids: ids }, now);
  return ids.length;
}

export interface LifecycleOutcome {
  counts: LifecycleCounts;
  /** Milliseconds until the task must run again; null when nothing is due ever (no expiry, no policy). */
  next_in_ms: number | null;
}

/**
 * One run of the task, at `now`, inside the caller's transaction, when something is due: the
 * expiry pass when a memory expired, the archive and purge pass when the sweep is due (hourly
 * while the policy asks for one); at most a batch each. When nothing is due, only the time of
 * the next run is kept, so that `last_run` reports the last run that had work.
 */
export function runLifecycle(ctx: StoreContext, now: number): LifecycleOutcome {
  const policy = readPolicy(ctx.sql);
  const run = readRun(ctx.sql);
  const counts = emptyCounts();
  const firstExpiry = nextExpiry(ctx.sql);
  let nextSweep: number | null = needsSweep(policy) ? (run.next_sweep_at ?? now) : null;
  if ((firstExpiry === null || firstExpiry > now) && (nextSweep === null || nextSweep > now)) {
    const next = nextRunAt({ nextExpiry: firstExpiry, nextSweep, leftWork: false, now });
    if (next !== run.next_run_at) writeMeta(ctx.sql, RUN_KEY, { ...run, next_run_at: next, next_sweep_at: nextSweep } satisfies LifecycleRun);
    return { counts, next_in_ms: next === null ? null : next - now };
  }
  if (firstExpiry !== null && firstExpiry <= now) counts.expired = audited(ctx, "memory.expire", expirePass(ctx, now), now);
  if (nextSweep !== null) {
    if (nextSweep <= now) {
      const archive = archiveCutoff(policy, now);
      const purge = purgeCutoff(policy, now);
      if (archive !== null) counts.archived = audited(ctx, "memory.archive", archivePass(ctx, archive, now), now);
      if (purge !== null) counts.purged = audited(ctx, "memory.purge", purgePass(ctx, purge), now);
      nextSweep = now + SWEEP_EVERY_MS;
    }
  }
  const sweepLeft = counts.archived === LIFECYCLE_BATCH || counts.purged === LIFECYCLE_BATCH;
  const leftWork = sweepLeft || counts.expired === LIFECYCLE_BATCH;
  const next = nextRunAt({ nextExpiry: nextExpiry(ctx.sql), nextSweep: sweepLeft ? now : nextSweep, leftWork, now });
  const totals = { expired: run.totals.expired + counts.expired, archived: run.totals.archived + counts.archived, purged: run.totals.purged + counts.purged };
  writeMeta(ctx.sql, RUN_KEY, { last_run_at: now, next_run_at: next, next_sweep_at: sweepLeft ? now : nextSweep, last_run: counts, totals } satisfies LifecycleRun);
  return { counts, next_in_ms: next === null ? null : next - now };
}

/** Whether a row is a memory a caller may see: there, not a tombstone, not expired at `now`. */
export function liveRow(row: MemoryRow | undefined, now: number = Date.now()): row is MemoryRow {
  return row !== undefined && row.state !== "deleted" && !isExpired(row.expires_at, now);
}
