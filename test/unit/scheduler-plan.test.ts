// The scheduler's pure decisions: run order (outbox pinned, aging), budget admission, backoff, wakes and the alarm time.
import { describe, expect, it } from "vitest";
import { AGING_MS, FAILURE_BACKOFF_MAX_MS, admit, alarmAt, effectivePriority, failureBackoffMs, runOrder, runsOnWake, settle, wakeAt } from "../../src/memory/scheduler/plan";
import { TASK_NAMES, newTask, taskState, type TaskName, type TaskRecord } from "../../src/memory/scheduler/tasks";

const NOW = 1_000_000;
const task = (name: TaskName, over: Partial<TaskRecord> = {}): TaskRecord => ({ ...newTask(name), ...over });
const names = (ts: TaskRecord[]) => ts.map((t) => t.name);

describe("runOrder", () => {
  it("lists only due tasks, the outbox first even when another has a better aged priority", () => {
    const tasks = [task("lifecycle", { next_at: NOW - 10 * AGING_MS }), task("outbox", { next_at: NOW }), task("jobs", { next_at: NOW + 1 }), task("audit", { next_at: null })];
    expect(names(runOrder(tasks, NOW))).toEqual(["outbox", "lifecycle"]);
  });

  it("orders by priority when nothing waited, and lets a long-waiting low-priority task overtake", () => {
    const fresh = [task("idempotency_purge", { next_at: NOW }), task("audit", { next_at: NOW }), task("lifecycle", { next_at: NOW })];
    expect(names(runOrder(fresh, NOW))).toEqual(["audit", "lifecycle", "idempotency_purge"]);
    const starved = [task("idempotency_purge", { next_at: NOW - 6 * AGING_MS }), task("audit", { next_at: NOW }), task("lifecycle", { next_at: NOW })];
    expect(names(runOrder(starved, NOW))).toEqual(["idempotency_purge", "audit", "lifecycle"]);
    expect(effectivePriority(starved[0] as TaskRecord, NOW)).toBe(7 - 6);
  });
});

describe("admit", () => {
  it("always runs the outbox and the first task after it, then others only within the budget", () => {
    expect(admit("outbox", 5, 10_000, 200).run).toBe(true);
    expect(admit("lifecycle", 0, 10_000, 200).run).toBe(true);
    expect(admit("lifecycle", 1, 150, 200).run).toBe(true);
    const over = admit("lifecycle", 1, 200, 200);
    expect(over.run).toBe(false);
    expect(over.reason).toMatch(/budget of 200 ms spent/);
  });
});

describe("settle", () => {
  it("backs off exponentially on failures in a row, capped, and clears the count on success", () => {
    expect([1, 2, 3, 4].map(failureBackoffMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(failureBackoffMs(40)).toBe(FAILURE_BACKOFF_MAX_MS);
    let t = task("audit", { next_at: NOW });
    t = settle(t, { ok: false, error: "D1 is down" }, NOW, 5, null);
    expect(t).toMatchObject({ failures: 1, runs: 1, last_error: "D1 is down", next_at: NOW + 5 + 1_000, last_ok_at: null });
    t = settle(t, { ok: false, error: "still down" }, NOW + 2_000, 5, NOW + 2_100);
    expect(t.failures).toBe(2);
    // A wake while it failed does not shorten the backoff.
    expect(t.next_at).toBe(NOW + 2_005 + 2_000);
    t = settle(t, { ok: true, outcome: { next_at: null, note: "sent 3" } }, NOW + 9_000, 7, null);
    expect(t).toMatchObject({ failures: 0, runs: 3, last_ok_at: NOW + 9_007, next_at: null, last_note: "sent 3", last_duration_ms: 7 });
  });

  it("keeps a wake that came while the task ran when it is earlier than the task's own next time", () => {
    expect(settle(task("outbox"), { ok: true, outcome: { next_at: null } }, NOW, 3, NOW + 250).next_at).toBe(NOW + 250);
    expect(settle(task("outbox"), { ok: true, outcome: { next_at: NOW + 100 } }, NOW, 3, NOW + 250).next_at).toBe(NOW + 100);
  });
});

describe("wakeAt and alarmAt", () => {
  it("pulls a task earlier but never into a running backoff", () => {
    expect(wakeAt(task("outbox"), NOW)).toBe(NOW);
    expect(wakeAt(task("outbox", { next_at: NOW + 60_000 }), NOW)).toBe(NOW);
    expect(wakeAt(task("outbox", { next_at: NOW - 5 }), NOW)).toBe(NOW - 5);
    expect(wakeAt(task("audit", { failures: 2, next_at: NOW + 4_000 }), NOW)).toBe(NOW + 4_000);
    expect(wakeAt(task("audit", { failures: 2, next_at: NOW - 1 }), NOW)).toBe(NOW - 1);
  });

  it("rings at the earliest next time of any task, or not at all", () => {
    expect(alarmAt(TASK_NAMES.map((n) => task(n)))).toBeNull();
    expect(alarmAt([task("outbox", { next_at: NOW + 9 }), task("jobs", { next_at: NOW + 3 }), task("audit")])).toBe(NOW + 3);
  });
});

describe("taskState", () => {
  it("tells running, queued, backing off, scheduled and idle apart", () => {
    expect(taskState(task("outbox", { next_at: NOW }), NOW, true)).toBe("running");
    expect(taskState(task("outbox", { next_at: NOW }), NOW, false)).toBe("queued");
    expect(taskState(task("audit", { next_at: NOW + 1, failures: 1 }), NOW, false)).toBe("backing_off");
    expect(taskState(task("jobs", { next_at: NOW + 1 }), NOW, false)).toBe("scheduled");
    expect(taskState(task("jobs"), NOW, false)).toBe("idle");
  });
});

describe("runsOnWake", () => {
  it("on a ring runs the task rung for and the self-timed tasks with a next time, never one backing off", () => {
    const ring = NOW + 250;
    expect(runsOnWake(task("outbox", { next_at: ring }), NOW, ring)).toBe(true);
    expect(runsOnWake(task("outbox", { next_at: ring }), NOW, null)).toBe(false);
    expect(runsOnWake(task("lifecycle", { next_at: NOW + 60_000 }), NOW, ring)).toBe(true);
    expect(runsOnWake(task("lifecycle"), NOW, ring)).toBe(false);
    expect(runsOnWake(task("audit", { next_at: NOW + 4_000, failures: 2 }), NOW, ring)).toBe(false);
  });
});
