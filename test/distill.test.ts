// Parameter memory end to end against the real bridge and its stand-in trainer: stable memories → the distillation task →
// a training job → the adapter attached → chat uses it; a deleted source makes it stale at once and the next job replaces it;
// without a bridge a decision and nothing else; a refused job is a decision with its reason and a backoff.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { cubeStub } from "../src/services/cubes";
import { contentHash } from "../src/memory/text";
import { runDistillation } from "../durable-objects/cube/distill/task";
import { probeStub } from "./fixtures/cube-probe";

interface Adapter { user_id: string | null; adapter_name: string; base_model: string; examples: number; dataset_hash: string; memories: Array<{ id: string; version: number }>; in_use: boolean; stale_reason: string | null }
interface View { settings: Record<string, unknown>; adapters: Adapter[]; job: { user_id: string | null; adapter_name: string } | null; backing_off: Array<{ user_id: string | null; failures: number; retry_at: string | null; last_error: string | null }> }
interface Scheduler { decisions: Array<{ task: string; decision: string; reason: string }>; parameter_memory: Omit<View, "settings"> }

const identity = (t: Tenant, cube: string) => ({ tenant_id: t.id, cube_id: cube });
async function newCube(t: Tenant): Promise<string> {
  const cube = uniq("pm");
  expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "parameter memory" })).status).toBe(201);
  return cube;
}
async function facts(t: Tenant, cube: string, user: string, texts: Array<[string, string]>): Promise<string[]> {
  const items = await Promise.all(
    texts.map(async ([text, entity]) => ({ user_id: user, agent_id: null, session_id: null, text, type: "fact" as const, tags: [], entities: [entity], metadata: {}, importance: 0.5, event_time: null, source_message_ids: [], hash: await contentHash(text), vector: null })),
  );
  const r = await cubeStub(env, identity(t, cube)).addMemories({ identity: identity(t, cube), embedder: "none", items });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return r.ok ? r.value.memories.map((m) => m.id) : [];
}
async function settings(t: Tenant, cube: string, patch: Record<string, unknown>): Promise<void> {
  const r = await api(t, "PATCH", `/v1/cubes/${cube}/scheduler/parameter-memory`, patch);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}
async function run(t: Tenant, cube: string): Promise<Scheduler> {
  const r = await api<Scheduler>(t, "POST", `/v1/cubes/${cube}/scheduler/run?wait=true&decisions=100`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
async function view(t: Tenant, cube: string): Promise<View> {
  const r = await api<View>(t, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
/** Runs the scheduler until `done` holds of its answer (the stand-in trainer answers within a second or so). */
async function runUntil(t: Tenant, cube: string, done: (s: Scheduler) => boolean): Promise<Scheduler> {
  for (let i = 0; i < 60; i++) {
    const s = await run(t, cube);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not done: ${JSON.stringify((await run(t, cube)).decisions.filter((d) => d.task === "distillation"))}`);
}
async function chatAdapter(t: Tenant, cube: string, user: string): Promise<string | null> {
  const r = await api<{ memos: { adapter: string | null } }>(t, "POST", "/v1/chat", { cube_id: cube, user_id: user, messages: [{ role: "user", content: "Where do I live?" }], stream: false, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.memos.adapter;
}
const adapterOf = (s: { adapters: Adapter[] }, user: string) => s.adapters.find((a) => a.user_id === user);
const fast = { min_age_ms: 0, min_confirmations: 1, min_examples: 2, poll_ms: 10, poll_max_ms: 50 };

describe("parameter memory", () => {
  it("distills each user's stable memories into an adapter through the bridge, one job at a time, and chat uses the user's adapter", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const ann = await facts(t, cube, "ann", [["Ann lives in Lyon.", "Lyon"], ["Ann plays the cello.", "cello"], ["Ann's sister is Mia.", "Mia"]]);
    await facts(t, cube, "bob", [["Bob keeps bees.", "bees"], ["Bob drives a red van.", "van"]]);
    expect(await chatAdapter(t, cube, "ann")).toBeNull();
    await settings(t, cube, fast);

    const first = await run(t, cube);
    // Never two jobs at once: one user's job runs, the other waits for it.
    expect(first.parameter_memory.job, JSON.stringify(first.decisions.filter((d) => d.task === "distillation"))).not.toBeNull();
    const done = await runUntil(t, cube, (s) => s.parameter_memory.adapters.length === 2 && s.parameter_memory.job === null);
    const started = done.decisions.filter((d) => d.task === "distillation" && d.reason.startsWith("started training job"));
    const attached = done.decisions.filter((d) => d.task === "distillation" && d.reason.startsWith("attached adapter"));
    expect(started).toHaveLength(2);
    expect(attached).toHaveLength(2);

    const a = adapterOf(await view(t, cube), "ann");
    expect(a).toMatchObject({ base_model: "llama-3-8b", examples: 3, in_use: true });
    expect(a?.memories.map((m) => m.id).sort()).toEqual([...ann].sort());
    const ds = await api<{ examples: number; hash: string; jsonl: string; memories: Array<{ id: string }> }>(t, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory/dataset?user_id=ann`);
    expect(ds.status).toBe(200);
    expect(ds.body.hash).toBe(a?.dataset_hash);
    const lines = ds.body.jsonl.split("\n").map((l) => JSON.parse(l) as { messages: Array<{ role: string; content: string }> });
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l.messages.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    expect(lines.map((l) => l.messages[2]?.content).sort()).toEqual(["Ann lives in Lyon.", "Ann plays the cello.", "Ann's sister is Mia."]);
    expect(lines.find((l) => l.messages[2]?.content === "Ann lives in Lyon.")?.messages[1]?.content).toBe("What do you remember about Lyon?");

    // The bridge registered the adapter for this cube, and chat loads and uses each user's own.
    const onBridge = await api<{ adapters: Array<{ name: string }> }>(t, "GET", `/v1/cubes/${cube}/adapters`);
    expect(onBridge.status).toBe(200);
    expect(onBridge.body.adapters.map((x) => x.name)).toContain(a?.adapter_name);
    expect(await chatAdapter(t, cube, "ann")).toBe(a?.adapter_name);
    expect(await chatAdapter(t, cube, "bob")).toBe(adapterOf(await view(t, cube), "bob")?.adapter_name);
    expect(await chatAdapter(t, cube, "cy")).toBeNull();

    // Nothing changed: the next run starts nothing.
    const again = await run(t, cube);
    expect(again.decisions.filter((d) => d.task === "distillation" && d.reason.startsWith("started training job"))).toHaveLength(2);
  });

  it("a deleted source makes the adapter stale at once (chat stops using it), the bridge deletes it, and the next distillation replaces it without the deleted memory", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const ids = await facts(t, cube, "dee", [["Dee lives in Oslo.", "Oslo"], ["Dee runs marathons.", "marathons"], ["Dee's dog is Rex.", "Rex"]]);
    await settings(t, cube, fast);
    await runUntil(t, cube, (s) => s.parameter_memory.adapters.length === 1 && s.parameter_memory.job === null);
    const before = adapterOf(await view(t, cube), "dee");
    expect(await chatAdapter(t, cube, "dee")).toBe(before?.adapter_name);

    const gone = ids[0] as string;
    expect((await api(t, "DELETE", `/v1/memories/${gone}?cube_id=${cube}`)).status).toBe(200);
    // Before any task ran: chat no longer uses it.
    expect(await chatAdapter(t, cube, "dee")).toBeNull();
    const stale = adapterOf(await view(t, cube), "dee");
    expect(stale).toMatchObject({ adapter_name: before?.adapter_name, in_use: false });
    expect(stale?.stale_reason).toContain(gone);

    const s = await runUntil(t, cube, (x) => adapterOf(x.parameter_memory, "dee")?.in_use === true);
    const after = adapterOf(s.parameter_memory, "dee");
    expect(after?.adapter_name).not.toBe(before?.adapter_name);
    expect(after?.memories.map((m) => m.id)).not.toContain(gone);
    expect(after?.memories).toHaveLength(2);
    expect(s.decisions.some((d) => d.task === "distillation" && d.reason.includes(`replacing ${before?.adapter_name}`))).toBe(true);
    expect(await chatAdapter(t, cube, "dee")).toBe(after?.adapter_name);
    // The stale adapter (made from the deleted memory) is gone from the bridge; the new one is loaded there.
    const onBridge = await api<{ adapters: Array<{ name: string; loaded_on: unknown[] }> }>(t, "GET", `/v1/cubes/${cube}/adapters`);
    expect(onBridge.status).toBe(200);
    expect(onBridge.body.adapters.map((x) => x.name)).not.toContain(before?.adapter_name);
    expect(onBridge.body.adapters.find((x) => x.name === after?.adapter_name)?.loaded_on).toHaveLength(1);
  });

  it("without a bridge the task records 'bridge unavailable' and changes nothing", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await facts(t, cube, "eve", [["Eve speaks Welsh.", "Welsh"], ["Eve grows tomatoes.", "tomatoes"]]);
    await settings(t, cube, { ...fast, enabled: true });
    const out = await runInDurableObject(probeStub(`${t.id}/${cube}`), async (_o, state) => {
      const sql = state.storage.sql;
      const outcome = await runDistillation({ sql, identity: identity(t, cube), bridge: null, transaction: (fn) => state.storage.transactionSync(fn), now: Date.now() });
      return {
        outcome,
        jobs: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM distill_jobs").one().n,
        adapters: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM distill_adapters").one().n,
        decisions: sql.exec<{ reason: string }>("SELECT reason FROM scheduler_decisions WHERE task = 'distillation'").toArray().map((r) => r.reason),
      };
    });
    expect(out.outcome.next_at).toBeNull();
    expect(out.jobs).toBe(0);
    expect(out.adapters).toBe(0);
    expect(out.decisions.some((r) => r.startsWith("bridge unavailable: eve has knowledge to distill"))).toBe(true);
  });

  it("waits for memories to be old enough and comes back when they will be", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await facts(t, cube, "gil", [["Gil repairs clocks.", "clocks"], ["Gil lives in Ghent.", "Ghent"]]);
    await settings(t, cube, { ...fast, min_age_ms: 3_600_000 });
    const s = await run(t, cube);
    expect(s.parameter_memory.job).toBeNull();
    const task = (await api<{ tasks: Array<{ name: string; state: string; next_run_at: string | null }> }>(t, "GET", `/v1/cubes/${cube}/scheduler`)).body.tasks.find((x) => x.name === "distillation");
    expect(task?.state).toBe("scheduled");
    const at = Date.parse(task?.next_run_at as string);
    expect(at).toBeGreaterThan(Date.now() + 3_000_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 3_600_000);
    // Old enough: the policy picks them up (settings changed, so it looks again at once).
    await settings(t, cube, { min_age_ms: 0 });
    const next = await run(t, cube);
    expect(next.decisions.some((d) => d.task === "distillation" && d.reason.startsWith("started training job"))).toBe(true);
  });

  it("a job the bridge refuses is a failed decision with its reason, and the user backs off instead of retrying at once", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await facts(t, cube, "fay", [["Fay sails on weekends.", "sailing"], ["Fay works as an architect.", "architect"]]);
    await settings(t, cube, { ...fast, base_model: "no-such-model" });
    const s = await run(t, cube);
    const failed = s.decisions.filter((d) => d.task === "distillation" && d.decision === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toMatch(/could not start a training job for fay: .*no-such-model.*failure 1 in a row, retry at/);
    const v = await view(t, cube);
    expect(v.job).toBeNull();
    expect(v.adapters).toEqual([]);
    expect(v.backing_off).toMatchObject([{ user_id: "fay", failures: 1 }]);
    expect(Date.parse(v.backing_off[0]?.retry_at as string)).toBeGreaterThan(Date.now() + 30_000);
    const again = await run(t, cube);
    expect(again.decisions.filter((d) => d.task === "distillation" && d.decision === "failed")).toHaveLength(1);
  });

  it("settings: a change gives only its fields; bad input is a 400 with nothing changed; another tenant's cube is a 404; a key limited to agents a 403", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const other = await newTenant();
    const cube = await newCube(t);
    const before = await view(t, cube);
    expect(before.settings).toMatchObject({ enabled: true, base_model: null, min_confirmations: 2, redistill_share: 0.2 });
    await settings(t, cube, { min_examples: 5 });
    expect((await view(t, cube)).settings).toMatchObject({ min_examples: 5, min_confirmations: 2 });
    for (const bad of [{}, { min_examples: 0 }, { redistill_share: 2 }, { unknown: 1 }, { base_model: "" }]) {
      const r = await api<{ error: { code: string } }>(t, "PATCH", `/v1/cubes/${cube}/scheduler/parameter-memory`, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect((await view(t, cube)).settings).toMatchObject({ min_examples: 5 });
    expect((await api(other, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory`)).status).toBe(404);
    expect((await api(other, "PATCH", `/v1/cubes/${cube}/scheduler/parameter-memory`, { min_examples: 1 })).status).toBe(404);
    expect((await api(other, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory/dataset?user_id=ann`)).status).toBe(404);
    expect((await api(other, "PATCH", `/v1/cubes/${cube}/scheduler/consolidation`, { idle_ms: 0 })).status).toBe(404);
    expect((await api(t, "PATCH", `/v1/cubes/${cube}/scheduler/consolidation`, { idle_ms: -5 })).status).toBe(400);
    const c = await api<{ idle_ms: number }>(t, "PATCH", `/v1/cubes/${cube}/scheduler/consolidation`, { idle_ms: 1_000 });
    expect(c.status).toBe(200);
    expect(c.body.idle_ms).toBe(1_000);
    expect((await api(t, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory/dataset?user_id=`)).status).toBe(400);
    // A key that sees only some agents sees none of it: an adapter and a dataset span every agent.
    const made = await api<{ key: string }>(t, "POST", "/v1/keys", { name: "planner", scopes: ["memories:read", "memories:write"], limits: { agent_ids: ["planner"] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const limited: Tenant = { id: t.id, key: made.body.key, auth: { authorization: `Bearer ${made.body.key}` } };
    expect((await api(limited, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory`)).status).toBe(403);
    expect((await api(limited, "GET", `/v1/cubes/${cube}/scheduler/parameter-memory/dataset?user_id=ann`)).status).toBe(403);
    expect((await api(limited, "PATCH", `/v1/cubes/${cube}/scheduler/parameter-memory`, { min_examples: 1 })).status).toBe(403);
    expect((await view(t, cube)).settings).toMatchObject({ min_examples: 5 });
  });
});
