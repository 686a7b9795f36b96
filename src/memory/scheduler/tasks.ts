// The scheduler's task table as plain data: task names, priorities, the record each task keeps, its state.

/** Every task a cube's alarm runs; the order here is only the listing order. */
export const TASK_NAMES = ["outbox", "audit", "jobs", "lifecycle", "compaction", "profile", "index_warmup", "idempotency_purge", "activation", "consolidation", "distillation"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/**
 * Lower runs first. The outbox is pinned first on every wake-up whatever the priorities say
 * (derived stores must never wait behind another task); the others age (see `plan.ts`).
 */
export const TASK_PRIORITY: Readonly<Record<TaskName, number>> = {
  outbox: 0,
  audit: 1,
  jobs: 2,
  lifecycle: 3,
  compaction: 4,
  profile: 5,
  index_warmup: 6,
  idempotency_purge: 7,
  activation: 8,
  consolidation: 9,
  distillation: 10,
};

/** What each task does, for the scheduler's answer. */
export const TASK_DESCRIPTION: Readonly<Record<TaskName, string>> = {
  outbox: "drain changes to D1 and the vector index",
  audit: "send the cube's audit entries to D1",
  jobs: "re-send extraction jobs nobody started and jobs whose lease ran out",
  lifecycle: "expire, archive and purge memories as the lifecycle policy says",
  compaction: "store the rolling summary of each session idle for 30 minutes as one long-term memory",
  profile: "rebuild the profile of each user whose memories changed",
  index_warmup: "read the in-memory vector index back between requests",
  idempotency_purge: "forget idempotency answers past their retention",
  activation: "keep the hottest users' activation blocks on the GPU node within its budget: register, re-render when changed enough, keep warm, evict cold ones",
  consolidation: "while the cube is idle and its memories changed: merge related memories into one, close stale plans, rebuild the profiles (each change a version with reason consolidate)",
  distillation: "distill each user's stable knowledge into a LoRA adapter through the bridge: start a training job, poll it, attach the adapter; re-distill when enough of it changed or a source was deleted",
};

/**
 * Tasks a write (or any other change) wakes: each is cheap when it has nothing to do, and each
 * decides for itself whether there is something (the alarm used to run all of them every time).
 * Compaction is not one: it reads every session, so only a stored message wakes it, for when its
 * session will be idle; nor is the profile, which the outbox wakes when it sent changed memories.
 */
export const REACTIVE_TASKS: readonly TaskName[] = ["outbox", "audit", "jobs", "lifecycle", "index_warmup", "idempotency_purge"];

/**
 * Tasks that check their own times (each outbox row, job lease, expiry and sweep has its own), so
 * that running one before its next time costs a few reads and does nothing wrong: when the alarm
 * rings for any task, these run too if they have a next time at all and are not backing off (as
 * the alarm ran all of them before the task table). A task missing here runs only when due.
 */
export const SELF_TIMED: ReadonlySet<TaskName> = new Set<TaskName>(["outbox", "audit", "jobs", "lifecycle", "index_warmup", "idempotency_purge"]);

/** One row of the task table. Times are epoch milliseconds. */
export interface TaskRecord {
  name: TaskName;
  priority: number;
  /** When the task next wants to run; null: not until something wakes it. */
  next_at: number | null;
  last_run_at: number | null;
  last_ok_at: number | null;
  last_error: string | null;
  /** Failures in a row; 0 after a success. */
  failures: number;
  runs: number;
  last_duration_ms: number | null;
  /** What the last successful run reported (e.g. "drained 3"). */
  last_note: string | null;
}

export type TaskState = "running" | "queued" | "backing_off" | "scheduled" | "idle";

export function newTask(name: TaskName): TaskRecord {
  return { name, priority: TASK_PRIORITY[name], next_at: null, last_run_at: null, last_ok_at: null, last_error: null, failures: 0, runs: 0, last_duration_ms: null, last_note: null };
}

/**
 * running: in the loop now; queued: due; backing_off: failed last time and waiting out its
 * backoff; scheduled: wants to run at a later time; idle: nothing to do until woken.
 */
export function taskState(task: TaskRecord, now: number, running: boolean): TaskState {
  if (running) return "running";
  if (task.next_at === null) return "idle";
  if (task.next_at <= now) return "queued";
  return task.failures > 0 ? "backing_off" : "scheduled";
}
