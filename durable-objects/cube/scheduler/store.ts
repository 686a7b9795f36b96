// The scheduler's rows in the cube: the task table and the recent decisions.
import { KEEP_DECISIONS } from "../../../src/memory/scheduler/plan";
import { TASK_NAMES, newTask, type TaskName, type TaskRecord } from "../../../src/memory/scheduler/tasks";

interface TaskRow extends Record<string, SqlStorageValue> {
  name: string;
  priority: number;
  next_at: number | null;
  last_run_at: number | null;
  last_ok_at: number | null;
  last_error: string | null;
  failures: number;
  runs: number;
  last_duration_ms: number | null;
  last_note: string | null;
}

export type DecisionKind = "run" | "ok" | "failed" | "deferred" | "woken";

export interface Decision {
  at: number;
  task: TaskName;
  decision: DecisionKind;
  reason: string;
}

const isTask = (name: string): name is TaskName => (TASK_NAMES as readonly string[]).includes(name);

/** Every task, its stored row or a fresh record (a task never run yet has no row). */
export function readTasks(sql: SqlStorage): TaskRecord[] {
  const rows = new Map<string, TaskRow>();
  for (const r of sql.exec<TaskRow>("SELECT name, priority, next_at, last_run_at, last_ok_at, last_error, failures, runs, last_duration_ms, last_note FROM scheduler_tasks")) rows.set(r.name, r);
  return TASK_NAMES.map((name) => {
    const r = rows.get(name);
    // The priority is the code's, not the row's: a changed priority applies at once.
    return r && isTask(r.name) ? { ...r, name, priority: newTask(name).priority } : newTask(name);
  });
}

export function readTask(sql: SqlStorage, name: TaskName): TaskRecord {
  return readTasks(sql).find((t) => t.name === name) ?? newTask(name);
}

export function writeTask(sql: SqlStorage, t: TaskRecord): void {
  sql.exec(
    "INSERT OR REPLACE INTO scheduler_tasks (name, priority, next_at, last_run_at, last_ok_at, last_error, failures, runs, last_duration_ms, last_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    t.name,
    t.priority,
    t.next_at,
    t.last_run_at,
    t.last_ok_at,
    t.last_error,
    t.failures,
    t.runs,
    t.last_duration_ms,
    t.last_note,
  );
}

export function recordDecision(sql: SqlStorage, d: Decision): void {
  sql.exec("INSERT INTO scheduler_decisions (at, task, decision, reason) VALUES (?, ?, ?, ?)", d.at, d.task, d.decision, d.reason);
  sql.exec("DELETE FROM scheduler_decisions WHERE seq <= (SELECT MAX(seq) FROM scheduler_decisions) - ?", KEEP_DECISIONS);
}

/** The most recent decisions, newest first. */
export function recentDecisions(sql: SqlStorage, limit: number): Decision[] {
  return sql
    .exec<{ at: number; task: string; decision: string; reason: string }>("SELECT at, task, decision, reason FROM scheduler_decisions ORDER BY seq DESC LIMIT ?", limit)
    .toArray()
    .filter((r) => isTask(r.task))
    .map((r) => ({ at: r.at, task: r.task as TaskName, decision: r.decision as DecisionKind, reason: r.reason }));
}
