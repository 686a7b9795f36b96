// Memory lifecycle: expiry (ttl, expires_at, policy by type) hidden at read time on every path,
// tombstoned by the cube's alarm; archive after inactivity, restore, purge of tombstones; isolation.
import { describe, expect, it } from "vitest";
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { ADMIN, BASE, api, newTenant, uniq, type Tenant } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";
import { D1CatalogSink } from "../durable-objects/cube/outbox/d1-sink";
import { VectorIndexSink } from "../durable-objects/cube/outbox/vector-sink";
import { VectorizeVectorIndex } from "../src/providers/vectorize-index";
import { getEmbedder } from "../src/services/providers";
import { FakeVectorize } from "./fakes/vectorize";
import { CATCH_UP_MS, LIFECYCLE_BATCH, defaultExpiresAt, isExpired, lifecyclePolicySchema, nextRunAt, requestedExpiry } from "../src/memory/lifecycle";

const DAY = 86_400_000;
const stubOf = (t: Tenant, user: string) => probeStub(`${t.id}/user:${user}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Mem { id: string; text: string; type: string; state: string; version: number; expires_at: string | null }
interface Lifecycle {
  cube_id: string;
  policy: { ttl_seconds: Record<string, number | null>; archive_after_days: number | null; purge_tombstones_after_days: number | null };
  last_run_at: string | null;
  next_run_at: string | null;
  last_run: { expired: number; archived: number; purged: number };
  totals: { expired: number; archived: number; purged: number };
}

async function add(t: Tenant, user: string, text: string, extra: Record<string, unknown> = {}): Promise<Mem> {
  const r = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.memories[0] as Mem;
}

const searchIds = async (t: Tenant, user: string, query: string) =>
  (await api<{ results: Array<{ memory: Mem }> }>(t, "POST", "/v1/search", { query, user_id: user, record_access: false })).body.results.map((r) => r.memory.id);
const listIds = async (t: Tenant, query: string) => (await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?${query}`)).body.memories.map((m) => m.id);
const catalogRow = (t: Tenant, id: string) => env.DB.prepare("SELECT id, expires_at FROM memories WHERE tenant_id = ? AND id = ?").bind(t.id, id).first<{ id: string; expires_at: number | null }>();
const cubeRow = (t: Tenant, user: string, id: string) =>
  runInDurableObject(stubOf(t, user), (_c: CubeObject, state) => {
    const row = state.storage.sql.exec<{ seq: number; state: string; text: string }>("SELECT seq, state, text FROM memories WHERE id = ?", id).toArray()[0];
    if (!row) return null;
    const versions = state.storage.sql.exec<{ reason: string; source: string | null; snapshot: string }>("SELECT reason, source, snapshot FROM memory_versions WHERE memory_id = ? ORDER BY version", id).toArray();
    const vectors = state.storage.sql.exec("SELECT 1 FROM vectors WHERE seq = ?", row.seq).toArray().length;
    return { ...row, versions, vectors };
  });
const setClock = (t: Tenant, user: string, aheadMs: number) => runInDurableObject(stubOf(t, user), (cube: CubeObject) => cube.setLifecycleClock(aheadMs));

describe("expires_at and ttl on add and edit", () => {
  it("refuses both at once, a time already past, a ttl below one second, and a ttl on extracted memories, storing nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const soon = new Date(Date.now() + 60_000).toISOString();
    const bad = [
      { text: "both", infer: false, ttl: 60, expires_at: soon },
      { text: "past", infer: false, expires_at: new Date(Date.now() - 1_000).toISOString() },
      { text: "zero", infer: false, ttl: 0 },
      { text: "fractional", infer: false, ttl: 1.5 },
      { text: "not a time", infer: false, expires_at: "tomorrow" },
      { messages: [{ role: "user", content: "I live in Lyon" }], ttl: 60 },
    ];
    for (const body of bad) {
      const r = await api<{ error: { code: string; details: Array<{ path: string }> } }>(t, "POST", "/v1/memories", { user_id: user, ...body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    // Nothing was stored: the user's cube was never even created.
    expect((await api(t, "GET", `/v1/memories?user_id=${user}`)).status).toBe(404);
  });

  it("stores expires_at from a ttl or a time, changes and clears it by PATCH, and keeps it in versions", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const before = Date.now();
    const byTtl = await add(t, user, "parking spot 42", { ttl: 3600 });
    const at = Date.parse(byTtl.expires_at as string);
    expect(at).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(at).toBeLessThan(Date.now() + 3_600_000 + 1);
    const when = new Date(Date.now() + 2 * DAY).toISOString();
    const byTime = await add(t, user, "dentist on thursday", { expires_at: when });
    expect(byTime.expires_at).toBe(when);
    expect((await add(t, user, "never expires")).expires_at).toBeNull();

    const later = new Date(Date.now() + 5 * DAY).toISOString();
    const changed = await api<Mem>(t, "PATCH", `/v1/memories/${byTime.id}`, { expires_at: later });
    expect(changed.status).toBe(200);
    expect(changed.body.expires_at).toBe(later);
    expect(changed.body.version).toBe(2);
    const cleared = await api<Mem>(t, "PATCH", `/v1/memories/${byTime.id}`, { expires_at: null });
    expect(cleared.body.expires_at).toBeNull();
    const ttl = await api<Mem>(t, "PATCH", `/v1/memories/${byTime.id}`, { ttl: 60 });
    expect(Date.parse(ttl.body.expires_at as string)).toBeGreaterThan(Date.now());

    for (const body of [{ ttl: 60, expires_at: later }, { expires_at: new Date(Date.now() - 1).toISOString() }, { ttl: -5 }]) {
      const r = await api<{ error: { code: string } }>(t, "PATCH", `/v1/memories/${byTime.id}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const history = await api<{ versions: Array<{ reason: string; memory: Mem }> }>(t, "GET", `/v1/memories/${byTime.id}/history`);
    expect(history.body.versions.map((v) => v.memory.expires_at)).toEqual([when, later, null, ttl.body.expires_at]);
    expect((await api<Mem>(t, "GET", `/v1/memories/${byTime.id}`)).body.version).toBe(4);
  });
});

describe("an expired memory", () => {
  it("is never returned once its time has passed, before any background task ran, then the alarm makes it a tombstone gone from D1 and the vector index", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubOf(t, user);
    const kept = await add(t, user, "Zoltan keeps bees in the garden");
    const fake = new FakeVectorize(getEmbedder(env).dimensions);
    await runInDurableObject(stub, (cube: CubeObject) => {
      // The lifecycle task sees a clock a day behind: it cannot expire anything before the reads below.
      cube.setLifecycleClock(-DAY);
      cube.setSinks([new D1CatalogSink(env.DB, t.id), new VectorIndexSink(new VectorizeVectorIndex(fake))]);
    });
    const expiresAt = Date.now() + 1_500;
    const gone = await add(t, user, "Zoltan parks the van on level three", { expires_at: new Date(expiresAt).toISOString() });
    // Before its time it is there on every path: the control for each check below.
    expect(await searchIds(t, user, "Zoltan van level three")).toContain(gone.id);
    await runInDurableObject(stub, (cube: CubeObject) => cube.drain());
    fake.settle();
    expect(fake.store.has(gone.id)).toBe(true);
    expect(await catalogRow(t, gone.id)).toEqual({ id: gone.id, expires_at: expiresAt });
    expect(await listIds(t, "")).toContain(gone.id);

    await sleep(Math.max(0, expiresAt - Date.now()) + 100);
    // Not touched by any background task yet: the cube's row is active, D1 still holds its row.
    expect((await cubeRow(t, user, gone.id))?.state).toBe("active");
    expect(await catalogRow(t, gone.id)).not.toBeNull();

    expect((await api(t, "GET", `/v1/memories/${gone.id}`)).status).toBe(404);
    expect((await api(t, "GET", `/v1/memories/${gone.id}/history`)).status).toBe(404);
    expect((await api(t, "PATCH", `/v1/memories/${gone.id}`, { text: "revived" })).status).toBe(404);
    expect((await api(t, "POST", `/v1/memories/${gone.id}/archive`)).status).toBe(404);
    expect(await listIds(t, `user_id=${user}`)).toEqual([kept.id]);
    expect(await listIds(t, "")).toEqual([kept.id]);
    const found = await searchIds(t, user, "Zoltan van level three");
    expect(found).toContain(kept.id);
    expect(found).not.toContain(gone.id);
    const wide = await api<{ results: Array<{ memory: Mem }> }>(t, "POST", "/v1/search", { query: "Zoltan van level three" });
    expect(wide.body.results.map((r) => r.memory.id)).not.toContain(gone.id);
    const context = await api<{ context: string; included: string[] }>(t, "POST", "/v1/context", { query: "where is the van parked", user_id: user });
    expect(context.body.included).not.toContain(gone.id);
    expect(context.body.context).not.toContain("level three");
    const mem0 = await api<{ results: Array<{ id: string }> }>(t, "POST", "/mem0/v3/memories/search/", { query: "Zoltan van level three", user_id: user }, { authorization: `Token ${t.key}` });
    expect(mem0.status).toBe(200);
    expect(mem0.body.results.map((r) => r.id)).toContain(kept.id);
    expect(mem0.body.results.map((r) => r.id)).not.toContain(gone.id);
    const memos = await api<{ data: { memory_detail_list: Array<{ id: string }> } }>(t, "POST", "/api/openmem/v1/search/memory", { query: "Zoltan van level three", user_id: user }, { authorization: `Token ${t.key}` });
    expect(memos.status).toBe(200);
    expect(JSON.stringify(memos.body)).not.toContain(gone.id);

    // The alarm with the real clock: a tombstone with reason expire, its content scrubbed.
    await setClock(t, user, 0);
    await runDurableObjectAlarm(stub);
    const row = await cubeRow(t, user, gone.id);
    expect(row?.state).toBe("deleted");
    expect(row?.text).toBe("");
    expect(row?.vectors).toBe(0);
    expect(row?.versions.map((v) => v.reason)).toEqual(["expire"]);
    expect(row?.versions[0]?.snapshot).not.toContain("level three");
    await runInDurableObject(stub, (cube: CubeObject) => cube.drain());
    expect(await catalogRow(t, gone.id)).toBeNull();
    expect(await catalogRow(t, kept.id)).not.toBeNull();
    fake.settle();
    expect(fake.store.has(gone.id)).toBe(false);

    const lc = await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`);
    expect(lc.status).toBe(200);
    expect(lc.body.last_run.expired).toBe(1);
    expect(lc.body.totals.expired).toBe(1);
    expect(Date.parse(lc.body.last_run_at as string)).toBeGreaterThanOrEqual(expiresAt);
    expect(lc.body.next_run_at).toBeNull();
  });

  it("is not a dedup target: the same fact extracted again after it expired is a new memory", async () => {
    const t = await newTenant();
    const user = uniq("u");
    // Each in its own session, so that none is a replay of the message before (dedup spans sessions).
    const say = (timestamp: string) =>
      api<{ memories: Mem[]; job: { result: { added: number } } }>(t, "POST", "/v1/memories", {
        user_id: user,
        session_id: uniq("s"),
        sync: true,
        messages: [{ role: "user", name: "Ines", content: "Ines plays the harp in an orchestra.", timestamp }],
      });
    const first = await say("2024-01-01T10:00:00Z");
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const original = first.body.memories[0] as Mem;
    // While it lives, the same fact said again is a repeat of it, not a new memory.
    const repeat = await say("2024-02-01T10:00:00Z");
    expect(repeat.body.job.result.added).toBe(0);
    await setClock(t, user, -DAY);
    expect((await api(t, "PATCH", `/v1/memories/${original.id}`, { ttl: 1 })).status).toBe(200);
    await sleep(1_100);
    const again = await say("2024-03-01T10:00:00Z");
    expect(again.body.job.result.added).toBe(1);
    expect(again.body.memories.map((m) => m.id)).not.toContain(original.id);
    expect(again.body.memories[0]?.text).toBe(original.text);
  });

  it("is left out by the MCP search tool too", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Yusuf keeps the spare key under the blue pot", { expires_at: new Date(Date.now() + 800).toISOString() });
    const kept = await add(t, user, "Yusuf keeps a spare bike in the shed");
    await setClock(t, user, -DAY);
    await sleep(900);
    const client = new Client({ name: "lifecycle-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { fetch: (url, init) => SELF.fetch(url, init), requestInit: { headers: { authorization: `Bearer ${t.key}` } } }),
    );
    const r = await client.callTool({ name: "search_memories", arguments: { query: "Yusuf spare key", user_id: user } });
    expect(r.isError).toBeFalsy();
    const ids = (r.structuredContent as { results: Array<{ memory: Mem }> }).results.map((x) => x.memory.id);
    expect(ids).toEqual([kept.id]);
    await client.close();
  });

  it("expires at most a batch per wake-up, and comes back within a second for the rest", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubOf(t, user);
    await add(t, user, "first, so that the cube exists");
    await setClock(t, user, -DAY);
    const messages = Array.from({ length: LIFECYCLE_BATCH + 5 }, (_, i) => ({ role: "user", content: `short-lived line ${i}` }));
    const added = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, messages, infer: false, ttl: 1 });
    expect(added.body.memories).toHaveLength(LIFECYCLE_BATCH + 5);
    await sleep(1_100);
    expect(await listIds(t, `user_id=${user}&limit=200`)).toHaveLength(1);
    await setClock(t, user, 0);
    await runDurableObjectAlarm(stub);
    let lc = (await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body;
    expect(lc.last_run.expired).toBe(LIFECYCLE_BATCH);
    expect(Date.parse(lc.next_run_at as string) - Date.parse(lc.last_run_at as string)).toBe(CATCH_UP_MS);
    await runDurableObjectAlarm(stub);
    lc = (await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body;
    expect(lc.last_run.expired).toBe(5);
    expect(lc.totals.expired).toBe(LIFECYCLE_BATCH + 5);
    expect(lc.next_run_at).toBeNull();
  });

  it("arms the alarm for the next expiry and shows it as next_run_at", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const when = Date.now() + 10 * 60_000;
    await add(t, user, "the later one", { expires_at: new Date(when + 60_000).toISOString() });
    await add(t, user, "the sooner one", { expires_at: new Date(when).toISOString() });
    await runDurableObjectAlarm(stubOf(t, user));
    const lc = (await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body;
    expect(lc.next_run_at).toBe(new Date(when).toISOString());
    expect(lc.last_run.expired).toBe(0);
    const alarm = await runInDurableObject(stubOf(t, user), (_c: CubeObject, state) => state.storage.getAlarm());
    expect(Math.abs((alarm as number) - when)).toBeLessThan(1_000);
  });
});

describe("lifecycle policy", () => {
  it("gives new memories the TTL of their type when the add names none; expires_at null overrides it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "first, so that the cube exists");
    const put = await api<Lifecycle>(t, "PUT", `/v1/cubes/user:${user}/lifecycle`, { ttl_seconds: { note: 3600, message: 86_400, fact: null } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.policy).toEqual({ ttl_seconds: { note: 3600, message: 86_400, fact: null }, archive_after_days: null, purge_tombstones_after_days: null });
    const now = Date.now();
    const note = await add(t, user, "a note with the policy's ttl");
    expect(Date.parse(note.expires_at as string) - now).toBeGreaterThanOrEqual(3_599_000);
    expect(Date.parse(note.expires_at as string) - now).toBeLessThan(3_660_000);
    expect((await add(t, user, "a fact, never expiring", { type: "fact" })).expires_at).toBeNull();
    expect((await add(t, user, "a preference, no rule", { type: "preference" })).expires_at).toBeNull();
    expect((await add(t, user, "a note kept forever", { expires_at: null })).expires_at).toBeNull();
    const own = await add(t, user, "a note with its own ttl", { ttl: 60 });
    expect(Date.parse(own.expires_at as string) - now).toBeLessThan(120_000);
    const raw = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, messages: [{ role: "user", content: "see you at noon" }], infer: false });
    expect(raw.body.memories[0]?.type).toBe("message");
    expect(Date.parse(raw.body.memories[0]?.expires_at as string) - now).toBeGreaterThanOrEqual(86_399_000);
    expect((await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body.policy.ttl_seconds).toEqual({ note: 3600, message: 86_400, fact: null });
  });

  it("applies to memories extracted from messages", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "first, so that the cube exists");
    const ttl = Object.fromEntries(["fact", "preference", "event", "plan", "procedure", "relationship", "message", "note"].map((k) => [k, 7200]));
    expect((await api(t, "PUT", `/v1/cubes/user:${user}/lifecycle`, { ttl_seconds: ttl })).status).toBe(200);
    const r = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", {
      user_id: user,
      sync: true,
      messages: [{ role: "user", content: "I moved to Lisbon last year and I love surfing at dawn.", name: "Rui" }],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.memories.length).toBeGreaterThan(0);
    for (const m of r.body.memories) expect(Date.parse(m.expires_at as string)).toBeGreaterThan(Date.now() + 7_100_000);
  });

  it("refuses a bad policy with 400 and keeps the one in force", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "first");
    await api(t, "PUT", `/v1/cubes/user:${user}/lifecycle`, { archive_after_days: 30 });
    for (const body of [{ ttl_seconds: { gossip: 60 } }, { ttl_seconds: { note: 0 } }, { archive_after_days: -1 }, { purge_tombstones_after_days: 1.5 }, { archive: 3 }]) {
      const r = await api<{ error: { code: string } }>(t, "PUT", `/v1/cubes/user:${user}/lifecycle`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect((await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body.policy.archive_after_days).toBe(30);
  });

  it("archives memories unused for archive_after_days; archived ones leave search and listings, list with state=archived, and restore", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubOf(t, user);
    const old = await add(t, user, "Quentin collects old maps");
    await runDurableObjectAlarm(stub);
    expect((await api(t, "PUT", `/v1/cubes/user:${user}/lifecycle`, { archive_after_days: 90 })).status).toBe(200);
    // 89 days on: nothing is old enough.
    await setClock(t, user, 89 * DAY);
    await runDurableObjectAlarm(stub);
    expect((await api<Mem>(t, "GET", `/v1/memories/${old.id}`)).body.state).toBe("active");
    // 91 days without use (the sweep last ran on day 89, more than an hour ago): archived.
    await setClock(t, user, 91 * DAY);
    await runDurableObjectAlarm(stub);
    const archived = await api<Mem>(t, "GET", `/v1/memories/${old.id}`);
    expect(archived.body.state).toBe("archived");
    const lc = (await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body;
    expect(lc.last_run.archived).toBe(1);
    expect(Date.parse(lc.next_run_at as string)).toBeGreaterThan(Date.now() + 91 * DAY);
    expect(await searchIds(t, user, "Quentin maps")).toEqual([]);
    expect(await listIds(t, `user_id=${user}`)).toEqual([]);
    expect(await listIds(t, `user_id=${user}&state=archived`)).toEqual([old.id]);
    let versions = (await api<{ versions: Array<{ reason: string; source: string | null }> }>(t, "GET", `/v1/memories/${old.id}/history`)).body.versions;
    expect(versions.map((v) => [v.reason, v.source])).toEqual([["create", null], ["archive", "lifecycle"]]);

    const restored = await api<Mem>(t, "POST", `/v1/memories/${old.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.state).toBe("active");
    expect(await searchIds(t, user, "Quentin maps")).toEqual([old.id]);
    // Restoring what is active changes nothing.
    expect((await api<Mem>(t, "POST", `/v1/memories/${old.id}/restore`)).body.version).toBe(restored.body.version);
    versions = (await api<{ versions: Array<{ reason: string; source: string | null }> }>(t, "GET", `/v1/memories/${old.id}/history`)).body.versions;
    expect(versions.map((v) => v.reason)).toEqual(["create", "archive", "restore"]);
  });

  it("archives and restores by hand, each a version", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const m = await add(t, user, "Rosa plays the oboe");
    const a = await api<Mem>(t, "POST", `/v1/memories/${m.id}/archive`);
    expect([a.status, a.body.state, a.body.version]).toEqual([200, "archived", 2]);
    expect((await api<Mem>(t, "POST", `/v1/memories/${m.id}/archive`)).body.version).toBe(2);
    expect(await searchIds(t, user, "Rosa oboe")).toEqual([]);
    const r = await api<Mem>(t, "POST", `/v1/memories/${m.id}/restore`);
    expect([r.body.state, r.body.version]).toEqual(["active", 3]);
    expect((await api(t, "POST", `/v1/memories/mem_nope/archive`, undefined)).status).toBe(404);
  });

  it("purges tombstones older than purge_tombstones_after_days: row and versions gone", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubOf(t, user);
    const keep = await add(t, user, "kept");
    const m = await add(t, user, "to delete then purge");
    expect((await api(t, "DELETE", `/v1/memories/${m.id}`)).status).toBe(200);
    expect((await api(t, "PUT", `/v1/cubes/user:${user}/lifecycle`, { purge_tombstones_after_days: 30 })).status).toBe(200);
    await runDurableObjectAlarm(stub);
    // A fresh tombstone stays.
    expect((await cubeRow(t, user, m.id))?.state).toBe("deleted");
    await setClock(t, user, 31 * DAY);
    await runDurableObjectAlarm(stub);
    expect(await cubeRow(t, user, m.id)).toBeNull();
    const versions = await runInDurableObject(stub, (_c: CubeObject, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM memory_versions WHERE memory_id = ?", m.id).one().n);
    expect(versions).toBe(0);
    expect((await cubeRow(t, user, keep.id))?.state).toBe("active");
    const lc = (await api<Lifecycle>(t, "GET", `/v1/cubes/user:${user}/lifecycle`)).body;
    expect(lc.last_run.purged).toBe(1);
    expect(lc.totals.purged).toBe(1);
  });
});

describe("lifecycle isolation and scopes", () => {
  it("another tenant can neither read nor set a cube's policy, nor archive or restore its memories (404)", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const user = uniq("u");
    const m = await add(a, user, "Alice's secret plan");
    await api(a, "PUT", `/v1/cubes/user:${user}/lifecycle`, { archive_after_days: 10 });
    expect((await api(b, "GET", `/v1/cubes/user:${user}/lifecycle`)).status).toBe(404);
    expect((await api(b, "PUT", `/v1/cubes/user:${user}/lifecycle`, { archive_after_days: 1 })).status).toBe(404);
    expect((await api(b, "POST", `/v1/memories/${m.id}/archive`)).status).toBe(404);
    expect((await api(b, "POST", `/v1/memories/${m.id}/restore`)).status).toBe(404);
    expect((await api<Lifecycle>(a, "GET", `/v1/cubes/user:${user}/lifecycle`)).body.policy.archive_after_days).toBe(10);
    expect((await api<Mem>(a, "GET", `/v1/memories/${m.id}`)).body.state).toBe("active");
  });

  it("a read-only key reads the policy but may not set it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "first");
    const reader = await api<{ key: string }>(null, "POST", `/v1/admin/tenants/${t.id}/keys`, { name: "reader", scopes: ["memories:read"] }, { authorization: ADMIN });
    expect(reader.status).toBe(201);
    const ro: Tenant = { ...t, key: reader.body.key, auth: { authorization: `Bearer ${reader.body.key}` } };
    expect((await api(ro, "GET", `/v1/cubes/user:${user}/lifecycle`)).status).toBe(200);
    const put = await api<{ error: { code: string } }>(ro, "PUT", `/v1/cubes/user:${user}/lifecycle`, { archive_after_days: 1 });
    expect([put.status, put.body.error.code]).toEqual([403, "forbidden"]);
  });
});

describe("lifecycle decisions (pure)", () => {
  it("reads a ttl before a time, null as never, and nothing as undefined", () => {
    expect(requestedExpiry({ ttl: 10 }, 1_000)).toBe(11_000);
    expect(requestedExpiry({ expires_at: "2030-01-01T00:00:00.000Z" }, 0)).toBe(Date.UTC(2030, 0, 1));
    expect(requestedExpiry({ expires_at: null }, 0)).toBeNull();
    expect(requestedExpiry({}, 0)).toBeUndefined();
  });

  it("gives a type its TTL, expires at the exact time, and runs next at the earliest due time", () => {
    const policy = lifecyclePolicySchema.parse({ ttl_seconds: { message: 60, note: null } });
    expect(defaultExpiresAt(policy, "message", 1_000)).toBe(61_000);
    expect(defaultExpiresAt(policy, "note", 1_000)).toBeNull();
    expect(defaultExpiresAt(policy, "fact", 1_000)).toBeNull();
    expect([isExpired(100, 99), isExpired(100, 100), isExpired(null, 1e15), isExpired(undefined, 1e15)]).toEqual([false, true, false, false]);
    expect(nextRunAt({ nextExpiry: 5_000, nextSweep: 9_000, leftWork: false, now: 1_000 })).toBe(5_000);
    expect(nextRunAt({ nextExpiry: 5_000, nextSweep: 9_000, leftWork: true, now: 1_000 })).toBe(1_000 + CATCH_UP_MS);
    expect(nextRunAt({ nextExpiry: 500, nextSweep: null, leftWork: false, now: 1_000 })).toBe(1_000);
    expect(nextRunAt({ nextExpiry: 500, nextSweep: null, leftWork: true, now: 1_000 })).toBe(1_000 + CATCH_UP_MS);
    expect(nextRunAt({ nextExpiry: null, nextSweep: null, leftWork: false, now: 1_000 })).toBeNull();
  });
});
