// The cube's scheduler: one alarm, the task table, one loop per wake-up that runs due tasks within a budget.
import { admit, alarmAt, runOrder, settle, wakeAt, WAKE_BUDGET_MS, type TaskOutcome } from "../../../src/memory/scheduler/plan";
import { REACTIVE_TASKS, taskState, type TaskName, type TaskRecord, type TaskState } from "../../../src/memory/scheduler/tasks";
import { readTask, readTasks, recentDecisions, recordDecision, writeTask, type Decision } from "./store";

/** A task's body: does its work at `now` and says when it wants to run again. Throwing is a failure. */
export type TaskFn = (now: number) => Promise<TaskOutcome>;

export interface SchedulerHost {
  sql: SqlStorage;
  /** The object's storage, for its one alarm. */
  storage: Pick<DurableObjectStorage, "getAlarm" | "setAlarm" | "deleteAlarm">;
  tasks: Readonly<Record<TaskName, TaskFn>>;
  now(): number;
}

export interface WakeReport {
  started_at: number;
  duration_ms: number;
  ran: TaskName[];
  failed: TaskName[];
  deferred: TaskName[];
}

export interface TaskView extends TaskRecord {
  state: TaskState;
}

export interface SchedulerView {
  budget_ms: number;
  /** Wall time the last wake-up spent, against the budget. */
  last_wake: WakeReport | null;
  alarm_at: number | null;
  tasks: TaskView[];
  decisions: Decision[];
}

/** How long after a wake-up starts its alarm rings again should the wake-up never finish. */
const GUARD_MS = 30_000;

export class CubeScheduler {
  /** Wall budget of one wake-up; tests may change it. */
  budgetMs = WAKE_BUDGET_MS;
  private readonly running = new Set<TaskName>();
  /** Wakes that came while their task ran: applied when it settles, so that none is lost. */
  private readonly woken = new Map<TaskName, number>();
  private loop: Promise<WakeReport> | null = null;
  private lastWake: WakeReport | null = null;

  constructor(private readonly host: SchedulerHost) {}

  /** Asks these tasks to run at `at` (or earlier, if they wanted to) and arms the alarm. */
  async wake(at: number, names: readonly TaskName[] = REACTIVE_TASKS): Promise<void> {
    for (const name of names) {
      if (this.running.has(name)) {
        this.woken.set(name, Math.min(this.woken.get(name) ?? at, at));
        continue;
      }
      const task = readTask(this.host.sql, name);
      const next = wakeAt(task, at);
      if (next !== task.next_at) writeTask(this.host.sql, { ...task, next_at: next });
    }
    await this.arm(at);
  }

  private async arm(at: number): Promise<void> {
    const current = await this.host.storage.getAlarm();
    if (current === null || current > at) await this.host.storage.setAlarm(at);
  }

  /**
   * One wake-up, after any wake-up still running (one loop at a time; a wake-up asked for while
   * one runs gets its own after it, so that what was written meanwhile is seen). `ringing`: the
   * alarm rang, so the task it rang for runs even if the clock reads a little earlier (an alarm
   * run early, as tests do, runs what it was set for), and so do the self-timed tasks.
   */
  wakeUp(ringing = false): Promise<WakeReport> {
    const run = (this.loop ?? Promise.resolve()).catch(() => undefined).then(() => this.runLoop(ringing));
    const mine = run.finally(() => {
      if (this.loop === mine) this.loop = null;
    });
    this.loop = mine;
    return mine;
  }

  /** Wake-ups until no task is due, at most `cap` of them; answers how many ran. */
  async runUntilIdle(cap: number): Promise<number> {
    if (this.loop) await this.loop.catch(() => undefined);
    let wakes = 0;
    while (wakes < cap && runOrder(readTasks(this.host.sql), this.host.now()).length > 0) {
      await this.wakeUp();
      wakes++;
    }
    return wakes;
  }

  private async runLoop(ringing: boolean): Promise<WakeReport> {
    const { sql, now } = this.host;
    const startedAt = now();
    const report: WakeReport = { started_at: startedAt, duration_ms: 0, ran: [], failed: [], deferred: [] };
    // Armed while the loop runs: should the object die in it, the alarm rings again.
    await this.host.storage.setAlarm(startedAt + GUARD_MS);
    let others = 0;
    const seen = new Set<TaskName>();
    const tasks = readTasks(sql);
    let pass = runOrder(tasks, startedAt, ringing ? (alarmAt(tasks) ?? startedAt) : null);
    // Further passes run what a task woke for now (the profile after a drain), each task once per wake-up.
    while (pass.length > 0) {
      for (const task of pass) {
        seen.add(task.name);
        const elapsed = now() - startedAt;
        const admission = admit(task.name, others, elapsed, this.budgetMs);
        if (!admission.run) {
          report.deferred.push(task.name);
          recordDecision(sql, { at: now(), task: task.name, decision: "deferred", reason: admission.reason });
          continue;
        }
        if (task.name !== "outbox") others++;
        await this.runTask(task.name, admission.reason, report);
      }
      pass = runOrder(readTasks(sql), now()).filter((t) => !seen.has(t.name));
    }
    report.duration_ms = now() - startedAt;
    this.lastWake = report;
    const at = alarmAt(readTasks(sql));
    if (at === null) await this.host.storage.deleteAlarm();
    else await this.host.storage.setAlarm(Math.max(at, now()));
    return report;
  }

  private async runTask(name: TaskName, why: string, report: WakeReport): Promise<void> {
    const { sql, now } = this.host;
    const fn = this.host.tasks[name];
    const started = now();
    this.running.add(name);
    let result: { ok: true; outcome: TaskOutcome } | { ok: false; error: string };
    try {
      result = { ok: true, outcome: await fn(started) };
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      this.running.delete(name);
    }
    const duration = now() - started;
    const woken = this.woken.get(name) ?? null;
    this.woken.delete(name);
    // Read again: the task may have changed its own row (none does today, but a wake could have).
    const settled = settle(readTask(sql, name), result, started, duration, woken);
    writeTask(sql, settled);
    if (result.ok) {
      report.ran.push(name);
      if (result.outcome.note) recordDecision(sql, { at: now(), task: name, decision: "ok", reason: `${why}; ${result.outcome.note}` });
    } else {
      report.failed.push(name);
      recordDecision(sql, { at: now(), task: name, decision: "failed", reason: `${result.error}; failure ${settled.failures} in a row, next try at ${new Date(settled.next_at ?? now()).toISOString()}` });
      console.warn(JSON.stringify({ level: "warn", message: "scheduler task failed", task: name, failures: settled.failures, error: result.error }));
    }
  }

  /** The task table with each task's state, the alarm, the budget and the recent decisions. */
  async view(decisions: number): Promise<SchedulerView> {
    const now = this.host.now();
    return {
      budget_ms: this.budgetMs,
      last_wake: this.lastWake,
      alarm_at: await this.host.storage.getAlarm(),
      tasks: readTasks(this.host.sql).map((t) => ({ ...t, state: taskState(t, now, this.running.has(t.name)) })),
      decisions: recentDecisions(this.host.sql, decisions),
    };
  }
}
