// Consolidation ("dreaming") end to end in the cube: related memories of one user merged into one whose sources
// are the originals (closed with reason consolidate), a stale plan closed, idempotent, idle-gated, per user.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { cubeStub } from "../src/services/cubes";
import { contentHash } from "../src/memory/text";
import type { ConsolidationConfigInput } from "../src/memory/consolidate/config";
import type { MemoryType } from "../src/memory/types";
import type { LLM, LlmRequest } from "../src/providers/llm";
import { runConsolidation } from "../durable-objects/cube/consolidate/task";
import { VectorCache } from "../durable-objects/cube/search/vectors";
import { probeStub } from "./fixtures/cube-probe";

interface Out { id: string; text: string; user_id: string | null; version: number; valid_to: string | null; metadata: Record<string, unknown>; entities: string[] }
interface Version { version: number; reason: string; source: string | null }
interface Scheduler { tasks: Array<{ name: string; state: string; next_run_at: string | null }>; decisions: Array<{ task: string; decision: string; reason: string }> }

async function newCube(t: Tenant): Promise<string> {
  const cube = uniq("dream");
  expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "dreaming" })).status).toBe(201);
  return cube;
}
const identity = (t: Tenant, cube: string) => ({ tenant_id: t.id, cube_id: cube });

interface Draft { user: string; text: string; entities: string[]; type?: MemoryType; event_time?: number | null }
async function add(t: Tenant, cube: string, drafts: Draft[]): Promise<string[]> {
  const items = await Promise.all(
    drafts.map(async (d) => ({
      user_id: d.user, agent_id: null, session_id: null, text: d.text, type: d.type ?? "fact", tags: [], entities: d.entities, metadata: {},
      importance: 0.5, event_time: d.event_time ?? null, source_message_ids: [], hash: await contentHash(d.text), vector: null,
    })),
  );
  const r = await cubeStub(env, identity(t, cube)).addMemories({ identity: identity(t, cube), embedder: "none", items });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return r.ok ? r.value.memories.map((m) => m.id) : [];
}
async function configure(t: Tenant, cube: string, patch: ConsolidationConfigInput): Promise<void> {
  const r = await cubeStub(env, identity(t, cube)).setConsolidationConfig(identity(t, cube), patch);
  expect(r.ok, JSON.stringify(r)).toBe(true);
}
async function run(t: Tenant, cube: string): Promise<Scheduler> {
  const r = await api<Scheduler>(t, "POST", `/v1/cubes/${cube}/scheduler/run?wait=true&decisions=100`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
async function list(t: Tenant, cube: string, user: string): Promise<Out[]> {
  const r = await api<{ memories: Out[] }>(t, "GET", `/v1/memories?cube_id=${cube}&user_id=${user}&limit=100`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.memories;
}
async function history(t: Tenant, cube: string, id: string): Promise<Version[]> {
  const r = await api<{ versions: Version[] }>(t, "GET", `/v1/memories/${id}/history?cube_id=${cube}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.versions;
}
const merges = (s: Scheduler) => s.decisions.filter((d) => d.task === "consolidation" && d.reason.startsWith("merged"));

describe("consolidation", () => {
  it("merges related memories of one user into one whose sources are the originals, superseded with reason consolidate, and leaves another user's alone", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const related = await add(t, cube, [
      { user: "ann", text: "Ann lives in Lyon.", entities: ["Lyon"] },
      { user: "ann", text: "Ann lives in Lyon with her cat.", entities: ["Lyon"] },
      { user: "ann", text: "Ann moved to Lyon in 2019 and lives in Lyon.", entities: ["Lyon"] },
    ]);
    const [cello, bobs] = await add(t, cube, [
      { user: "ann", text: "Ann plays the cello.", entities: ["cello"] },
      { user: "bob", text: "Bob lives in Lyon.", entities: ["Lyon"] },
    ]);
    await configure(t, cube, { idle_ms: 0 });
    const s = await run(t, cube);
    expect(merges(s), JSON.stringify(s.decisions.filter((d) => d.task === "consolidation"))).toHaveLength(1);

    const live = (await list(t, cube, "ann")).filter((m) => m.valid_to === null);
    const merged = live.find((m) => !related.includes(m.id) && m.id !== cello);
    expect(merged?.text).toBe("Ann lives in Lyon with her cat. Ann moved to Lyon in 2019 and lives in Lyon.");
    expect(merged?.metadata).toMatchObject({ consolidated_from: related });
    expect(merged?.entities).toEqual(["Lyon"]);
    expect((await history(t, cube, merged?.id as string))[0]?.reason).toBe("consolidate");
    for (const id of related) {
      const h = await history(t, cube, id);
      expect(h.at(-1)).toMatchObject({ reason: "consolidate", source: merged?.id });
      expect(h[0]?.reason).not.toBe("consolidate");
    }
    expect(live.map((m) => m.id).sort()).toEqual([merged?.id, cello].sort());
    // Bob shares the entity and the words, but is another user: untouched.
    const bob = await list(t, cube, "bob");
    expect(bob.map((m) => ({ id: m.id, version: m.version, valid_to: m.valid_to }))).toEqual([{ id: bobs, version: 1, valid_to: null }]);

    const found = await api<{ results: Array<{ memory: { id: string } }> }>(t, "POST", "/v1/search", { cube_id: cube, user_id: "ann", query: "Where does Ann live?", top_k: 5 });
    expect(found.status).toBe(200);
    const ids = found.body.results.map((r) => r.memory.id);
    expect(ids).toContain(merged?.id);
    for (const id of related) expect(ids).not.toContain(id);
  });

  it("closes a plan whose time passed long ago and nobody read, keeps a future one, and a second run changes nothing", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const [past, future] = await add(t, cube, [
      { user: "cy", text: "Cy plans to see the dentist.", entities: ["dentist"], type: "plan", event_time: Date.parse("2020-03-01T10:00:00Z") },
      { user: "cy", text: "Cy plans a trip to Oslo.", entities: ["Oslo"], type: "plan", event_time: Date.parse("2099-03-01T10:00:00Z") },
    ]);
    await add(t, cube, [
      { user: "cy", text: "Cy works as a nurse.", entities: ["nurse"] },
      { user: "cy", text: "Cy works as a night nurse.", entities: ["nurse"] },
    ]);
    // Stale as soon as the plan's time passed: the test cannot wait a month.
    await configure(t, cube, { idle_ms: 0, stale_after_ms: 0 });
    const first = await run(t, cube);
    expect(first.decisions.some((d) => d.task === "consolidation" && d.reason.startsWith(`closed stale plan ${past}`))).toBe(true);
    expect(merges(first)).toHaveLength(1);
    expect((await history(t, cube, past as string)).at(-1)).toMatchObject({ reason: "consolidate" });
    expect((await history(t, cube, future as string)).map((v) => v.reason)).toEqual(["create"]);

    const before = await list(t, cube, "cy");
    const versionsBefore = await Promise.all(before.map((m) => history(t, cube, m.id).then((h) => h.length)));
    const second = await run(t, cube);
    expect(second.decisions.filter((d) => d.task === "consolidation").length).toBe(first.decisions.filter((d) => d.task === "consolidation").length);
    const after = await list(t, cube, "cy");
    expect(after.map((m) => [m.id, m.version, m.valid_to])).toEqual(before.map((m) => [m.id, m.version, m.valid_to]));
    expect(await Promise.all(after.map((m) => history(t, cube, m.id).then((h) => h.length)))).toEqual(versionsBefore);
  });

  it("waits until the cube is idle: a recent write leaves everything as it is and the task scheduled for when the cube will be idle", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const ids = await add(t, cube, [
      { user: "di", text: "Di likes green tea.", entities: ["tea"] },
      { user: "di", text: "Di likes green tea a lot.", entities: ["tea"] },
    ]);
    await configure(t, cube, { idle_ms: 3_600_000 });
    const s = await run(t, cube);
    expect(merges(s)).toHaveLength(0);
    const task = s.tasks.find((x) => x.name === "consolidation");
    expect(task?.state).toBe("scheduled");
    expect(Date.parse(task?.next_run_at as string)).toBeGreaterThan(Date.now() + 3_000_000);
    expect((await list(t, cube, "di")).map((m) => m.id).sort()).toEqual([...ids].sort());
  });

  it("deleted means gone through consolidation: deleting an original takes its statement out of the merged memory (and its older versions); deleting the merged memory deletes its originals", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    const [a, b, c] = await add(t, cube, [
      { user: "gus", text: "Gus lives in Porto.", entities: ["Porto"] },
      { user: "gus", text: "Gus lives in Porto near the river.", entities: ["Porto"] },
      { user: "gus", text: "Gus moved to Porto in 2021 and lives in Porto.", entities: ["Porto"] },
    ]);
    await configure(t, cube, { idle_ms: 0 });
    await run(t, cube);
    const merged = (await list(t, cube, "gus")).find((m) => m.valid_to === null) as Out;
    expect(merged.text).toContain("near the river");

    expect((await api(t, "DELETE", `/v1/memories/${b}?cube_id=${cube}`)).status).toBe(200);
    const after = await api<Out>(t, "GET", `/v1/memories/${merged.id}?cube_id=${cube}`);
    expect(after.status).toBe(200);
    expect(after.body.text).toBe("Gus moved to Porto in 2021 and lives in Porto.");
    expect(after.body.metadata).toMatchObject({ consolidated_from: [a, c] });
    const versions = await api<{ versions: Array<{ reason: string; memory: { text: string } }> }>(t, "GET", `/v1/memories/${merged.id}/history?cube_id=${cube}`);
    expect(versions.body.versions.map((v) => v.reason)).toEqual(["consolidate", "consolidate"]);
    for (const v of versions.body.versions) expect(v.memory.text).not.toContain("river");
    const found = await api<{ results: Array<{ memory: { id: string; text: string } }> }>(t, "POST", "/v1/search", { cube_id: cube, user_id: "gus", query: "river", top_k: 5 });
    expect(found.body.results.filter((r) => r.memory.text.includes("river"))).toEqual([]);

    expect((await api(t, "DELETE", `/v1/memories/${merged.id}?cube_id=${cube}`)).status).toBe(200);
    for (const id of [a, c]) expect((await api(t, "GET", `/v1/memories/${id}?cube_id=${cube}`)).status).toBe(404);
    expect(await list(t, cube, "gus")).toEqual([]);
  });

  it("with an LLM configured, the model writes the merged text from the stored (desensitized) texts; an answer that invents a placeholder falls back to the rules' text", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await add(t, cube, [
      { user: "hal", text: "Hal's address is [EMAIL_1] and Hal lives in Bern.", entities: ["Bern"] },
      { user: "hal", text: "Hal lives in Bern with [PERSON_1].", entities: ["Bern"] },
      { user: "ivy", text: "Ivy lives in Bern.", entities: ["Bern"] },
      { user: "ivy", text: "Ivy lives in Bern near the lake.", entities: ["Bern"] },
    ]);
    await configure(t, cube, { idle_ms: 0, min_similarity: 0.3 });
    // A model stand-in (no model runs in the tests): it answers from the prompt it is given, which it records.
    const seen: LlmRequest[] = [];
    const llm: LLM = {
      id: "test-llm",
      complete: async (req) => {
        seen.push(req);
        const body = req.messages[0]?.content ?? "";
        return { text: body.includes("Hal") ? "Hal lives in Bern with [PERSON_1]; his address is [EMAIL_1]." : "Ivy lives in Bern by the lake, [EMAIL_9]." };
      },
    };
    const out = await runInDurableObject(probeStub(`${t.id}/${cube}`), async (_o, state) => {
      const sql = state.storage.sql;
      const r = await runConsolidation({ ctx: { sql, identity: identity(t, cube), vectors: new VectorCache(sql) }, transaction: (fn) => state.storage.transactionSync(fn), now: Date.now(), llm });
      return { changed: r.changed, merged: sql.exec<{ user_id: string; text: string; metadata: string }>("SELECT user_id, text, metadata FROM memories WHERE metadata LIKE '%consolidated_from%' ORDER BY user_id").toArray() };
    });
    expect(out.changed).toBe(6);
    expect(seen).toHaveLength(2);
    expect(seen.map((r) => r.messages[0]?.content).join("\n")).toContain("[EMAIL_1]");
    expect(out.merged.map((m) => [m.user_id, m.text, (JSON.parse(m.metadata) as { consolidated_by: string }).consolidated_by])).toEqual([
      ["hal", "Hal lives in Bern with [PERSON_1]; his address is [EMAIL_1].", "test-llm"],
      ["ivy", "Ivy lives in Bern near the lake.", "rules"],
    ]);
  });

  it("refuses bad settings with invalid_request and keeps the ones before", async () => {
    const t = await newTenant();
    const cube = await newCube(t);
    await configure(t, cube, { idle_ms: 5_000 });
    const stub = cubeStub(env, identity(t, cube));
    for (const patch of [{ idle_ms: -1 }, { min_similarity: 2 }, { merge_types: ["nonsense"] }, { unknown: true }]) {
      const r = await stub.setConsolidationConfig(identity(t, cube), patch);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("invalid_request");
    }
    const now = await stub.consolidationConfig(identity(t, cube));
    expect(now.ok && now.value.idle_ms).toBe(5_000);
  });
});
