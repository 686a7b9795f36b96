// The cube's scheduler tasks: what each one does on a wake-up and when it wants to run again.
import type { TaskOutcome } from "../../../src/memory/scheduler/plan";
import type { TaskName } from "../../../src/memory/scheduler/tasks";
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import type { JobMessage } from "../../../src/jobs/messages";
import type { DrainReport } from "../outbox/outbox";
import type { LifecycleOutcome } from "../lifecycle";
import { drainAudit } from "../audit";
import { redispatchStaleJobs } from "../jobs/dispatch";
import { purgeIdempotency } from "../idempotency";
import type { TaskFn } from "./runner";

/** What the tasks need from the cube object, as closures over its state. */
export interface CubeTaskDeps {
  sql: SqlStorage;
  identity(): CubeIdentity | null;
  /** One outbox drain (derived stores), without the audit drain. */
  drainOutbox(identity: CubeIdentity): Promise<DrainReport>;
  /** Starts (or joins) the read of the in-memory vector index the cube used last; null: nothing to read. */
  warmIndex(): Promise<void> | null;
  jobs: Queue<JobMessage>;
  auditDb(): D1Database;
  /** One lifecycle run, in a transaction. */
  lifecycle(identity: CubeIdentity): LifecycleOutcome;
  /** Stores the rolling summary of sessions idle long enough; how many, and when the next one will be idle. */
  compact(identity: CubeIdentity, now: number): Promise<{ compacted: number; next_at: number | null }>;
  /** Rebuilds the profiles whose memories changed; how many. */
  profiles(identity: CubeIdentity, now: number): number;
  /** One activation run (blocks on the GPU node); throws "bridge unavailable" to back off. */
  activation(identity: CubeIdentity, now: number): Promise<TaskOutcome>;
  /** Whether the cube has activation blocks that changed memories may concern. */
  holdsBlocks(): boolean;
  /** One consolidation run: merges and closes memories while the cube is idle; how many versions it wrote. */
  consolidate(identity: CubeIdentity, now: number): Promise<TaskOutcome & { changed: number }>;
  /** One distillation run: starts, polls or attaches a training job through the bridge. */
  distill(identity: CubeIdentity, now: number): Promise<TaskOutcome>;
  /** Wakes other tasks (the outbox and the audit drain after the lifecycle changed memories). */
  wake(at: number, names: readonly TaskName[]): Promise<void>;
}

/** Writes close together share one drain. */
const AFTER_CHANGE_MS = 250;

const idle: TaskOutcome = { next_at: null };

export function cubeTasks(deps: CubeTaskDeps): Record<TaskName, TaskFn> {
  // A task of an unbound cube has nothing to do (the alarm does not run for one either).
  const bound = (run: (identity: CubeIdentity, now: number) => Promise<TaskOutcome>): TaskFn => async (now) => {
    const identity = deps.identity();
    return identity ? run(identity, now) : idle;
  };
  return {
    outbox: bound(async (identity) => {
      const r = await deps.drainOutbox(identity);
      // Memories changed: the profiles built from them follow, in the same wake-up when its budget allows.
      // Consolidation and distillation decide for themselves whether the change concerns them (idle, stable).
      if (r.drained > 0) await deps.wake(Date.now(), deps.holdsBlocks() ? ["profile", "activation", "consolidation", "distillation"] : ["profile", "consolidation", "distillation"]);
      return { next_at: r.next_at, ...(r.drained + r.failed > 0 ? { note: `drained ${r.drained}, failed ${r.failed}` } : {}) };
    }),
    // Throws when D1 fails: the scheduler backs the task off, and the outbox is not held by it.
    audit: bound(async (identity) => {
      const n = await drainAudit(deps.sql, deps.auditDb(), identity);
      return { next_at: null, ...(n > 0 ? { note: `sent ${n} audit entries` } : {}) };
    }),
    jobs: bound(async (identity, now) => ({ next_at: await redispatchStaleJobs(deps.sql, deps.jobs, identity, now) })),
    lifecycle: bound(async (identity) => {
      const run = deps.lifecycle(identity);
      const { expired, archived, purged } = run.counts;
      const now = Date.now();
      // The changes go to the derived stores, and their audit entries to D1.
      if (expired + archived + purged > 0) await deps.wake(now + AFTER_CHANGE_MS, ["outbox", "audit"]);
      return {
        next_at: run.next_in_ms === null ? null : now + run.next_in_ms,
        ...(expired + archived + purged > 0 ? { note: `expired ${expired}, archived ${archived}, purged ${purged}` } : {}),
      };
    }),
    compaction: bound(async (identity, now) => {
      const r = await deps.compact(identity, now);
      if (r.compacted > 0) await deps.wake(Date.now() + AFTER_CHANGE_MS, ["outbox"]);
      return { next_at: r.next_at, ...(r.compacted > 0 ? { note: `compacted ${r.compacted} idle sessions` } : {}) };
    }),
    profile: bound(async (identity, now) => {
      const n = deps.profiles(identity, now);
      return { next_at: null, ...(n > 0 ? { note: `rebuilt ${n} profiles` } : {}) };
    }),
    index_warmup: async () => {
      const warm = deps.warmIndex();
      if (!warm) return idle;
      await warm;
      return { next_at: null, note: "read the vector index" };
    },
    activation: bound((identity, now) => deps.activation(identity, now)),
    consolidation: bound(async (identity, now) => {
      const { changed, ...outcome } = await deps.consolidate(identity, now);
      // The changed memories go out, and the profiles built from them follow (the outbox wakes the profile task).
      if (changed > 0) await deps.wake(Date.now() + AFTER_CHANGE_MS, ["outbox", "audit"]);
      return outcome;
    }),
    distillation: bound((identity, now) => deps.distill(identity, now)),
    idempotency_purge: async (now) => {
      purgeIdempotency(deps.sql, now);
      return idle;
    },
  };
}
