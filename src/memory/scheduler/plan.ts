// The scheduler's decisions as pure functions: which due task runs next, within what budget, with what backoff.
import { SELF_TIMED, type TaskName, type TaskRecord } from "./tasks";

/** Wall time one wake-up spends on tasks before it leaves the rest to the next wake-up. */
export const WAKE_BUDGET_MS = 200;
/** A due task that waits this long gains one priority level: no task starves behind busier ones. */
export const AGING_MS = 1_000;
export const FAILURE_BACKOFF_BASE_MS = 1_000;
export const FAILURE_BACKOFF_MAX_MS = 10 * 60_000;
/** Decisions the cube keeps for its answer; older ones are dropped. */
export const KEEP_DECISIONS = 100;
/** Most decisions an answer lists. */
export const MAX_DECISIONS = KEEP_DECISIONS;
/** Most wake-ups one wait-until-idle runs: a task that is due again and again cannot hold the call forever. */
export const MAX_WAIT_WAKES = 50;

/** Milliseconds a task waits after its `failures`-th failure in a row: 1 s, 2 s, 4 s... up to 10 min. */
export function failureBackoffMs(failures: number): number {
  return Math.min(FAILURE_BACKOFF_MAX_MS, FAILURE_BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}

export const isDue = (task: TaskRecord, now: number): boolean => task.next_at !== null && task.next_at <= now;

/**
 * Whether a task runs on a wake-up at `now`. `ringing`: the alarm rang (rather than a call asking
 * for due tasks), so the task it rang for runs even if the clock reads a little earlier, and the
 * self-timed tasks that want to run at some time run now unless they are backing off.
 */
export function runsOnWake(task: TaskRecord, now: number, ringingFor: number | null): boolean {
  if (isDue(task, now)) return true;
  if (ringingFor === null || task.next_at === null) return false;
  return task.next_at <= ringingFor || (SELF_TIMED.has(task.name) && task.failures === 0);
}

/** Priority after aging: lower runs first; one level gained per AGING_MS overdue. */
export function effectivePriority(task: TaskRecord, now: number): number {
  const overdue = task.next_at === null ? 0 : Math.max(0, now - task.next_at);
  return task.priority - Math.floor(overdue / AGING_MS);
}

/** The due tasks in the order a wake-up runs them: the outbox first, then by aged priority, then longest waiting, then name. */
export function runOrder(tasks: readonly TaskRecord[], now: number, ringingFor: number | null = null): TaskRecord[] {
  return tasks
    .filter((t) => runsOnWake(t, now, ringingFor))
    .sort((a, b) => {
      if (a.name === "outbox" || b.name === "outbox") return a.name === "outbox" ? -1 : 1;
      return effectivePriority(a, now) - effectivePriority(b, now) || (a.next_at ?? 0) - (b.next_at ?? 0) || a.name.localeCompare(b.name);
    });
}

export interface Admission {
  run: boolean;
  reason: string;
}

/**
 * Whether the next task in order runs on this wake-up. The outbox always runs; so does the first
 * other task (each wake-up makes progress beyond the outbox, whatever it cost); the rest run
 * while the budget lasts and are otherwise left due for the next wake-up, which comes at once.
 */
export function admit(name: TaskName, othersRun: number, elapsedMs: number, budgetMs: number = WAKE_BUDGET_MS): Admission {
  if (name === "outbox") return { run: true, reason: "the outbox runs first on every wake-up" };
  if (othersRun === 0) return { run: true, reason: elapsedMs < budgetMs ? `due, ${Math.max(0, budgetMs - elapsedMs)} ms of budget left` : "due; the first task after the outbox runs even past the budget" };
  if (elapsedMs < budgetMs) return { run: true, reason: `due, ${budgetMs - elapsedMs} ms of budget left` };
  return { run: false, reason: `budget of ${budgetMs} ms spent (${elapsedMs} ms); left for the next wake-up` };
}

/** A task's own report of a run: when it wants to run again (null: when woken), and a short note. */
export interface TaskOutcome {
  next_at: number | null;
  note?: string;
}

/**
 * The task's record after a run that started at `startedAt` and took `durationMs`. A success
 * clears the failures and takes the task's own next time, or an earlier wake that came while it
 * ran (`wokenAt`); a failure backs off exponentially, whatever woke it meanwhile.
 */
export function settle(task: TaskRecord, result: { ok: true; outcome: TaskOutcome } | { ok: false; error: string }, startedAt: number, durationMs: number, wokenAt: number | null): TaskRecord {
  const base = { ...task, runs: task.runs + 1, last_run_at: startedAt, last_duration_ms: durationMs };
  if (!result.ok) {
    const failures = task.failures + 1;
    return { ...base, failures, last_error: result.error.slice(0, 500), next_at: startedAt + durationMs + failureBackoffMs(failures) };
  }
  const wanted = [result.outcome.next_at, wokenAt].filter((v): v is number => v !== null);
  return { ...base, failures: 0, last_ok_at: startedAt + durationMs, next_at: wanted.length ? Math.min(...wanted) : null, last_note: result.outcome.note ?? null };
}

/**
 * The task's next time after a wake at `at`: the earlier of the two, except that a task backing
 * off keeps its backoff (a stream of writes must not hammer a failing store).
 */
export function wakeAt(task: TaskRecord, at: number): number {
  if (task.next_at === null) return at;
  if (task.failures > 0 && task.next_at > at) return task.next_at;
  return Math.min(task.next_at, at);
}

/** When the alarm must ring: the earliest next time of any task; null: no task wants to run. */
export function alarmAt(tasks: readonly TaskRecord[]): number | null {
  let at: number | null = null;
  for (const t of tasks) if (t.next_at !== null && (at === null || t.next_at < at)) at = t.next_at;
  return at;
}
