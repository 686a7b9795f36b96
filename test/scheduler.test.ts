// The cube's scheduler: the alarm runs a task table (outbox first, backoff per task, a budget per
// wake-up), GET /v1/cubes/:id/scheduler shows it, POST .../run wakes it and can wait until idle.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";

interface Task { name: string; state: string; failures: number; runs: number; last_error: string | null; last_ok_at: string | null; next_run_at: string | null; last_note: string | null }
interface Decision { task: string; decision: string; reason: string }
interface Scheduler { cube_id: string; budget_ms: number; idle: boolean; alarm_at: string | null; tasks: Task[]; decisions: Decision[]; wakes?: number; last_wake: { ran: string[]; deferred: string[]; failed: string[] } | null }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Runs of every task, and whether any is due: what a wake would change. */
const runsOf = (s: Scheduler) => ({ runs: Object.fromEntries(s.tasks.map((x) => [x.name, x.runs])), queued: s.tasks.some((x) => x.state === "queued") });
const stubOf = (t: Tenant, user: string) => probeStub(`${t.id}/user:${user}`);
const taskOf = (s: Scheduler, name: string) => s.tasks.find((x) => x.name === name) as Task;
const catalogHas = async (t: Tenant, id: string) => (await env.DB.prepare("SELECT 1 AS one FROM memories WHERE tenant_id = ? AND id = ?").bind(t.id, id).first()) !== null;

async function add(t: Tenant, user: string, text: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}
const runWait = async (t: Tenant, user: string, query = "") => {
  const r = await api<Scheduler>(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

describe("GET /v1/cubes/:id/scheduler", () => {
  it("lists every task with its state; a write queues the outbox and arms the alarm", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Ann plays chess on Sundays");
    const r = await api<Scheduler>(t, "GET", `/v1/cubes/user:${user}/scheduler`);
    expect(r.status).toBe(200);
    expect(r.body.cube_id).toBe(`user:${user}`);
    expect(r.body.tasks.map((x) => x.name).sort()).toEqual(["activation", "audit", "compaction", "consolidation", "distillation", "idempotency_purge", "index_warmup", "jobs", "lifecycle", "outbox", "profile"]);
    expect(["queued", "scheduled"]).toContain(taskOf(r.body, "outbox").state);
    expect(r.body.alarm_at).not.toBeNull();
    expect(r.body.budget_ms).toBe(200);
  });
});

describe("POST /v1/cubes/:id/scheduler/run?wait=true", () => {
  it("runs the due tasks until none is due: the write reaches D1, the answer is idle and says what ran", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const id = await add(t, user, "Bo keeps bees in Lyon");
    const s = await runWait(t, user);
    expect(s.idle).toBe(true);
    expect(s.wakes).toBeGreaterThanOrEqual(1);
    expect(await catalogHas(t, id)).toBe(true);
    const outbox = taskOf(s, "outbox");
    expect(outbox).toMatchObject({ failures: 0, state: "idle" });
    expect(outbox.runs).toBeGreaterThanOrEqual(1);
    expect(outbox.last_ok_at).not.toBeNull();
    expect(s.decisions.some((d) => d.task === "outbox" && d.decision === "ok" && /drained 1/.test(d.reason))).toBe(true);
    expect(s.decisions.some((d) => d.task === "audit" && d.decision === "ok" && /audit entries/.test(d.reason))).toBe(true);
  });

  it("without wait only wakes it: the tasks are due now and the alarm rings for them", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const id = await add(t, user, "Cy sails on weekends");
    const r = await api<Scheduler>(t, "POST", `/v1/cubes/user:${user}/scheduler/run`);
    expect(r.status).toBe(200);
    expect(r.body.wakes).toBe(0);
    expect(taskOf(r.body, "outbox").state).toBe("queued");
    expect(Date.parse(r.body.alarm_at as string)).toBeLessThanOrEqual(Date.now());
    // The alarm rings at once (or a forced ring runs it here); either way the write reaches D1.
    await runDurableObjectAlarm(stubOf(t, user));
    for (let i = 0; i < 100 && !(await catalogHas(t, id)); i++) await sleep(50);
    expect(await catalogHas(t, id)).toBe(true);
  });
});

describe("a failing task", () => {
  it("backs off on its own while the outbox keeps draining, and recovers once its store is back", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubOf(t, user);
    await add(t, user, "Di runs a bakery");
    await runInDurableObject(stub, (cube: CubeObject) => cube.failAuditDrain(true));
    const first = await runWait(t, user);
    const audit = taskOf(first, "audit");
    expect(audit).toMatchObject({ state: "backing_off", failures: 1, last_error: "D1 is down (test)" });
    expect(first.decisions.some((d) => d.task === "audit" && d.decision === "failed" && /failure 1 in a row/.test(d.reason))).toBe(true);
    // More writes: the outbox drains them at once; the audit task is not retried before its backoff.
    const later = await add(t, user, "Di sells sourdough");
    const second = await runWait(t, user);
    expect(await catalogHas(t, later)).toBe(true);
    expect(taskOf(second, "audit")).toMatchObject({ failures: 1, runs: audit.runs, state: "backing_off" });
    expect(second.alarm_at).not.toBeNull();
    // D1 back: the alarm rings for the audit task and it sends what waited.
    await runInDurableObject(stub, (cube: CubeObject) => cube.failAuditDrain(false));
    await runDurableObjectAlarm(stub);
    const after = await api<Scheduler>(t, "GET", `/v1/cubes/user:${user}/scheduler`);
    expect(taskOf(after.body, "audit")).toMatchObject({ failures: 0, last_error: "D1 is down (test)" });
    const pending = await runInDurableObject(stub, (_c, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE drained = 0").one().n);
    expect(pending).toBe(0);
  });
});

describe("the budget", () => {
  it("with none left, each wake-up runs the outbox and one other task and defers the rest, and every task still runs", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Ed collects stamps");
    await runInDurableObject(stubOf(t, user), (cube: CubeObject) => cube.setSchedulerBudget(0));
    const s = await runWait(t, user, "&decisions=100");
    expect(s.idle).toBe(true);
    expect(s.wakes).toBeGreaterThanOrEqual(5);
    expect(s.decisions.some((d) => d.decision === "deferred" && /budget of 0 ms spent/.test(d.reason))).toBe(true);
    for (const task of s.tasks) expect(task.runs, task.name).toBeGreaterThanOrEqual(1);
    expect(s.last_wake?.ran.length).toBeLessThanOrEqual(2);
  });
});

describe("input and isolation", () => {
  it("refuses bad query parameters with 400 and changes nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Flo paints");
    const before = runsOf(await runWait(t, user));
    for (const q of ["wait=yes", "max_wakes=0", "max_wakes=51", "decisions=101", "other=1"]) {
      const r = await api<{ error: { code: string } }>(t, "POST", `/v1/cubes/user:${user}/scheduler/run?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect((await api(t, "GET", `/v1/cubes/user:${user}/scheduler?decisions=-1`)).status).toBe(400);
    const s = await api<Scheduler>(t, "GET", `/v1/cubes/user:${user}/scheduler`);
    expect(runsOf(s.body)).toEqual({ ...before, queued: false });
  });

  it("answers 404 for another tenant's cube and for a cube that does not exist, and 403 to a read-only key waking it", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const user = uniq("u");
    await add(t, user, "Gus cycles to work");
    const before = runsOf(await runWait(t, user));
    expect((await api(other, "GET", `/v1/cubes/user:${user}/scheduler`)).status).toBe(404);
    expect((await api(other, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`)).status).toBe(404);
    expect((await api(t, "GET", `/v1/cubes/user:${uniq("nobody")}/scheduler`)).status).toBe(404);
    const reader = await newTenant(["memories:read"]);
    expect((await api(reader, "POST", `/v1/cubes/user:${user}/scheduler/run`)).status).toBe(403);
    const s = await api<Scheduler>(t, "GET", `/v1/cubes/user:${user}/scheduler`);
    expect(runsOf(s.body)).toEqual({ ...before, queued: false });
  });
});
