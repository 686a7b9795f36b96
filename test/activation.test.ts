// Activation memory end to end: heat from searches, a block per user registered on the real bridge
// (vLLM stand-in), kept when its content is the same, re-rendered when it changed enough, and the
// coldest user's block evicted under a small budget. Without a bridge the task backs off.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { runActivation } from "../durable-objects/cube/activation/task";
import { HeatRecorder } from "../durable-objects/cube/activation/heat";
import { probeStub } from "./fixtures/cube-probe";
import type { ActivationConfigInput } from "../src/memory/activation/config";
import { BridgeClient } from "../src/bridge/client";

interface Block { user_id: string | null; block_id: string | null; tokens: number; size_bytes: number | null; memories: number; heat: number }
interface Scheduler {
  tasks: Array<{ name: string; state: string; failures: number; last_error: string | null }>;
  decisions: Array<{ task: string; decision: string; reason: string }>;
  activation: { enabled: boolean; bytes_in_use: number; budget: { budget_bytes: number; node_budget_bytes: number; kv_bytes_per_token: number } | null; blocks: Block[] };
}
interface BridgeBlock { id: string; memory_ids: string[]; size_bytes: number }

async function add(t: Tenant, cube: string, user: string, text: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { cube_id: cube, user_id: user, text, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}
async function search(t: Tenant, cube: string, user: string, query: string): Promise<string[]> {
  const r = await api<{ results: Array<{ memory: { id: string } }> }>(t, "POST", "/v1/search", { cube_id: cube, user_id: user, query, top_k: 5 });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.results.map((x) => x.memory.id);
}
async function run(t: Tenant, cube: string): Promise<Scheduler> {
  const r = await api<Scheduler>(t, "POST", `/v1/cubes/${cube}/scheduler/run?wait=true&decisions=100`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
async function bridgeBlocks(t: Tenant, cube: string): Promise<BridgeBlock[]> {
  const r = await api<{ blocks: BridgeBlock[] }>(t, "GET", `/v1/cubes/${cube}/activation`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.blocks;
}
async function newCube(t: Tenant): Promise<string> {
  const cube = uniq("act");
  expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "activation" })).status).toBe(201);
  return cube;
}
async function configure(t: Tenant, cube: string, patch: ActivationConfigInput): Promise<void> {
  const r = await api(t, "PATCH", `/v1/cubes/${cube}/scheduler/activation`, patch);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}
const blockOf = (s: Scheduler, user: string) => s.activation.blocks.find((b) => b.user_id === user);

describe("activation blocks", () => {
  it("registers a user's block on the bridge once searches made their memories hot, with the node's budget in the scheduler view", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const ids = [await add(t, cube, "ann", "Ann lives in Lyon"), await add(t, cube, "ann", "Ann plays the cello"), await add(t, cube, "ann", "Ann's sister is Mia")];
    const before = await run(t, cube);
    expect(blockOf(before, "ann")).toBeUndefined();
    await search(t, cube, "ann", "Where does Ann live?");
    await search(t, cube, "ann", "What does Ann play?");
    const s = await run(t, cube);
    const block = blockOf(s, "ann");
    expect(block?.block_id, JSON.stringify(s.decisions.filter((d) => d.task === "activation"))).toMatch(/^blk/);
    expect(block?.heat).toBeGreaterThan(1.5);
    expect(s.activation.bytes_in_use).toBe(block?.size_bytes);
    expect(s.activation.budget).toMatchObject({ node_budget_bytes: 1_000_000_000, kv_bytes_per_token: 1000, budget_bytes: 600_000_000 });
    expect(s.decisions.some((d) => d.task === "activation" && /^register ann: no block yet/.test(d.reason))).toBe(true);
    const onBridge = await bridgeBlocks(t, cube);
    expect(onBridge.map((b) => b.id)).toEqual([block?.block_id]);
    expect(onBridge[0]?.memory_ids).toEqual(expect.arrayContaining(ids.slice(0, 2)));
    expect(s.tasks.find((x) => x.name === "activation")).toMatchObject({ failures: 0 });
  });

  it("keeps the same block while its content is the same, and renders a new one once it changed enough", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await add(t, cube, "bo", "Bo keeps bees");
    await add(t, cube, "bo", "Bo drives a red van");
    await search(t, cube, "bo", "bees");
    await search(t, cube, "bo", "van");
    const first = blockOf(await run(t, cube), "bo");
    expect(first?.block_id).toMatch(/^blk/);
    // Nothing changed: the same block, no registration.
    await configure(t, cube, { keep_warm_ms: 0 });
    const again = await run(t, cube);
    expect(blockOf(again, "bo")?.block_id).toBe(first?.block_id);
    expect(again.decisions.filter((d) => d.task === "activation" && /^register bo/.test(d.reason))).toHaveLength(1);
    // New hot memories outweigh the old ones: a new block replaces the old one on the bridge.
    await configure(t, cube, { min_rerender_ms: 0 });
    const fresh = [await add(t, cube, "bo", "Bo moved to Oslo in May"), await add(t, cube, "bo", "Bo learns Norwegian")];
    for (let i = 0; i < 4; i++) await search(t, cube, "bo", "Oslo Norwegian");
    const changed = await run(t, cube);
    const next = blockOf(changed, "bo");
    expect(next?.block_id).toMatch(/^blk/);
    expect(next?.block_id).not.toBe(first?.block_id);
    expect(changed.decisions.some((d) => d.task === "activation" && /^rerender bo: \d+% of the block's heat changed/.test(d.reason))).toBe(true);
    const onBridge = await bridgeBlocks(t, cube);
    expect(onBridge.map((b) => b.id)).toEqual([next?.block_id]);
    expect(onBridge[0]?.memory_ids).toEqual(expect.arrayContaining(fresh));
  });

  it("under a budget that holds one block, keeps the hottest user's and evicts the colder one's with the reason", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    for (const u of ["hot", "cold"]) {
      await add(t, cube, u, `${u} user likes hiking in the Alps`);
      await add(t, cube, u, `${u} user works as a nurse`);
    }
    await search(t, cube, "cold", "hiking nurse");
    await search(t, cube, "cold", "hiking nurse");
    const both = await run(t, cube);
    expect(blockOf(both, "cold")?.block_id).toMatch(/^blk/);
    for (let i = 0; i < 4; i++) await search(t, cube, "hot", "hiking nurse");
    const size = blockOf(both, "cold")?.size_bytes as number;
    await configure(t, cube, { budget_bytes: Math.floor(size * 1.5) });
    const s = await run(t, cube);
    expect(blockOf(s, "hot")?.block_id).toMatch(/^blk/);
    expect(blockOf(s, "cold")?.block_id).toBeNull();
    expect(s.decisions.some((d) => d.task === "activation" && /^evict cold: no room/.test(d.reason))).toBe(true);
    expect(s.activation.bytes_in_use).toBeLessThanOrEqual(Math.floor(size * 1.5));
    expect((await bridgeBlocks(t, cube)).map((b) => b.id)).toEqual([blockOf(s, "hot")?.block_id]);
  });

  it("drops a deleted memory's text from the stored block at once and renders the block without it", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const secret = await add(t, cube, "cy", "Cy's locker code is 4471");
    await add(t, cube, "cy", "Cy swims at dawn");
    await search(t, cube, "cy", "locker swims");
    await search(t, cube, "cy", "locker swims");
    expect(blockOf(await run(t, cube), "cy")?.block_id).toMatch(/^blk/);
    expect((await api(t, "DELETE", `/v1/memories/${secret}?cube_id=${cube}`)).status).toBeLessThan(300);
    const texts = await runInDurableObject(probeStub(`${t.id}/${cube}`), (_o, state) => state.storage.sql.exec<{ text: string }>("SELECT text FROM activation_blocks").toArray().map((r) => r.text));
    expect(texts.join("\n")).not.toContain("4471");
    const s = await run(t, cube);
    const onBridge = await bridgeBlocks(t, cube);
    expect(onBridge.every((b) => !b.memory_ids.includes(secret))).toBe(true);
    expect(s.decisions.some((d) => d.task === "activation" && /no longer live/.test(d.reason))).toBe(true);
  });

  it("a chat of a user without a block row makes the task due within a second, sooner than a search alone would", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await add(t, cube, "eve", "Eve collects stamps");
    await add(t, cube, "eve", "Eve lives in Porto");
    const taskDue = async () =>
      runInDurableObject(probeStub(`${t.id}/${cube}`), (_o, state) => state.storage.sql.exec<{ next_at: number | null }>("SELECT next_at FROM scheduler_tasks WHERE name = 'activation'").one().next_at);
    // A search wakes the task 5 s later.
    const searched = Date.now();
    await search(t, cube, "eve", "stamps");
    expect(await taskDue()).toBeGreaterThanOrEqual(searched + 5_000);
    const asked = Date.now();
    const r = await api(t, "POST", "/v1/chat", { cube_id: cube, user_id: "eve", infer: false, messages: [{ role: "user", content: "Where does Eve live?" }], max_tokens: 3 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const due = (await taskDue()) as number;
    expect(due).toBeLessThan(searched + 5_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(due).toBeGreaterThanOrEqual(asked);
  });

  it("counts every search's access in the stored heat once heat is read (accesses wait in memory until then)", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const id = await add(t, cube, "fay", "Fay keeps bees on the roof");
    for (let i = 0; i < 3; i++) expect(await search(t, cube, "fay", "bees")).toContain(id);
    expect((await api(t, "GET", `/v1/cubes/${cube}/scheduler`)).status).toBe(200);
    const stored = await runInDurableObject(probeStub(`${t.id}/${cube}`), async (_o, state) => state.storage.sql.exec<{ heat: number }>("SELECT heat FROM memories WHERE id = ?", id).one().heat);
    // Three accesses just now: each adds about 1 (the clock's epoch is this minute).
    expect(stored).toBeGreaterThan(2.9);
    expect(stored).toBeLessThan(3.1);
  });

  it("without a bridge the task fails with 'bridge unavailable' (the scheduler backs it off) and changes nothing", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await add(t, cube, "di", "Di collects stamps");
    await search(t, cube, "di", "stamps");
    await search(t, cube, "di", "stamps");
    // Reading the scheduler's view writes the cube's pending accesses, which the task's own recorder below reads.
    expect((await api(t, "GET", `/v1/cubes/${cube}/scheduler`)).status).toBe(200);
    const out = await runInDurableObject(probeStub(`${t.id}/${cube}`), async (_o, state) => {
      const sql = state.storage.sql;
      const err = await runActivation({ sql, identity: { tenant_id: t.id, cube_id: cube }, heat: new HeatRecorder(sql), bridge: null, now: Date.now() }).then(() => null, (e: unknown) => String(e));
      return { err, rows: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM activation_blocks").one().n };
    });
    expect(out.err).toMatch(/bridge unavailable/);
    expect(out.rows).toBe(0);
  });

  it("keeps the text of a block the bridge ranks out, holds no block for it, notes it once across runs, and chats send that text inline", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await add(t, cube, "kim", "Kim grows tomatoes on her balcony");
    await add(t, cube, "kim", "Kim works night shifts at the port");
    await search(t, cube, "kim", "tomatoes port");
    await search(t, cube, "kim", "tomatoes port");
    expect((await api(t, "GET", `/v1/cubes/${cube}/scheduler`)).status).toBe(200);
    // A real bridge whose node holds 1,000 tokens of blocks, 975 of them another cube's, far hotter per byte than
    // Kim's can be: the cube sees room under its share of the node, the bridge ranks its block out. The cube's own
    // alarm (on the suite's roomy bridge) is held off.
    const tight = new BridgeClient({ baseUrl: env.TEST_TIGHT_BRIDGE_URL, secret: env.BRIDGE_SECRET ?? "", timeoutMs: 3_000 });
    const hog = { tenant_id: t.id, cube_id: `${cube}-hog` };
    await tight.registerBlock(hog, { memory_ids: [], text: "x".repeat(3_880), heat: 1e9, half_life_ms: 86_400_000 });
    const runTight = () =>
      runInDurableObject(probeStub(`${t.id}/${cube}`), async (_o, state) => {
        const sql = state.storage.sql;
        sql.exec("UPDATE scheduler_tasks SET next_at = ? WHERE name = 'activation'", Date.now() + 3_600_000);
        const outcome = await runActivation({ sql, identity: { tenant_id: t.id, cube_id: cube }, heat: new HeatRecorder(sql), bridge: tight, now: Date.now() });
        const row = sql.exec<{ text: string; block_id: string | null; tokens: number }>("SELECT text, block_id, tokens FROM activation_blocks WHERE user_id = 'kim'").one();
        const notes = sql.exec<{ reason: string }>("SELECT reason FROM scheduler_decisions WHERE task = 'activation'").toArray().map((d) => d.reason);
        return { outcome, row, notes };
      });
    const first = await runTight();
    expect(first.row.block_id).toBeNull();
    expect(first.row.text).toMatch(/tomatoes/);
    expect(first.outcome.note).toMatch(/1 not admitted by the bridge/);
    expect(first.notes.filter((n) => /^not admitted kim: .*worth more per byte/.test(n))).toHaveLength(1);
    // Not admitted: no block of the cube's on the bridge; the task comes back to offer it again.
    expect(await tight.listBlocks({ tenant_id: t.id, cube_id: cube })).toMatchObject({ blocks: [] });
    expect(first.outcome.next_at).toBeGreaterThan(Date.now());
    // Offered again on the next run with the same text: refused again, without a second note.
    const second = await runTight();
    expect(second.row).toEqual(first.row);
    expect(second.notes.filter((n) => /^not admitted kim: /.test(n))).toHaveLength(1);
    // The chat finds no block id and sends the kept text inline, counted as the block part of the prompt.
    const r = await api<{ memos: { block_id: string | null; tokens: { block: number } } }>(t, "POST", "/v1/chat", { cube_id: cube, user_id: "kim", infer: false, messages: [{ role: "user", content: "What does Kim grow?" }], max_tokens: 3 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.memos.block_id).toBeNull();
    expect(r.body.memos.tokens.block).toBeGreaterThan(0);
    const left = await tight.listBlocks(hog);
    for (const b of left.blocks) await tight.evictBlock(hog, b.id);
  });

  it("PATCH .../scheduler/activation changes only the fields given, refuses bad settings with 400 and another tenant's cube with 404", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const cube = await newCube(t);
    const before = await api<Record<string, unknown>>(t, "GET", `/v1/cubes/${cube}/scheduler/activation`);
    expect(before.body).toMatchObject({ enabled: true, half_life_ms: 86_400_000, fill: 0.6 });
    await configure(t, cube, { half_life_ms: 3_600_000 });
    const after = await api<Record<string, unknown>>(t, "GET", `/v1/cubes/${cube}/scheduler/activation`);
    expect(after.body).toEqual({ ...before.body, half_life_ms: 3_600_000 });
    for (const bad of [{}, { half_life_ms: 5 }, { fill: 2 }, { unknown: true }]) {
      const r = await api<{ error: { code: string } }>(t, "PATCH", `/v1/cubes/${cube}/scheduler/activation`, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect((await api(other, "PATCH", `/v1/cubes/${cube}/scheduler/activation`, { enabled: false })).status).toBe(404);
    expect((await api(other, "GET", `/v1/cubes/${cube}/scheduler/activation`)).status).toBe(404);
    expect((await api<Record<string, unknown>>(t, "GET", `/v1/cubes/${cube}/scheduler/activation`)).body).toMatchObject({ enabled: true });
  });
});
