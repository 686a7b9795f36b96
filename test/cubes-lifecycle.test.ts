// Cubes from first write to deletion: id limits, registration after the cube accepted, ids that
// name their cube, tenant-wide fan-out that skips a broken cube, and deleting a cube everywhere.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq } from "./helpers";
import { cubeStub } from "../src/services/cubes";

type Err = { error: { code: string; message: string } };
interface Mem { id: string; text: string }
interface Coverage { cubes_searched: number; failed: Array<{ cube_id: string; code: string }>; left_out: number }
interface SearchOut { results: Array<{ memory: Mem }>; coverage?: Coverage }

const stubOf = (tenant: string, cube: string) => env.CUBE.get(env.CUBE.idFromName(`${tenant}/${cube}`));

async function registered(tenant: string, cube: string): Promise<boolean> {
  return (await env.DB.prepare("SELECT 1 AS x FROM cubes WHERE tenant_id = ? AND id = ?").bind(tenant, cube).first()) !== null;
}

describe("cube ids and registration", () => {
  it("takes a user_id of the longest allowed length end to end, and tenant-wide search still answers", async () => {
    const t = await newTenant();
    const user = "u".repeat(128);
    const add = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann drinks green tea", infer: false });
    expect(add.status).toBe(201);
    const wide = await api<SearchOut>(t, "POST", "/v1/search", { query: "tea" });
    expect(wide.status).toBe(200);
    expect(wide.body.results.map((r) => r.memory.text)).toContain("Ann drinks green tea");
    expect(wide.body.coverage?.failed).toEqual([]);
    const del = await api<{ deleted: number }>(t, "DELETE", `/v1/memories?user_id=${user}`);
    expect(del.status).toBe(200);
    expect(del.body.deleted).toBe(1);
  });

  it("refuses a user_id over the limit with 400 and registers no cube", async () => {
    const t = await newTenant();
    const user = "u".repeat(129);
    const add = await api<Err>(t, "POST", "/v1/memories", { user_id: user, text: "too long an owner", infer: false });
    expect(add.status).toBe(400);
    expect(add.body.error.code).toBe("invalid_request");
    expect(await registered(t.id, `user:${user}`)).toBe(false);
    expect((await api<SearchOut>(t, "POST", "/v1/search", { query: "owner" })).status).toBe(200);
  });

  it("registers a user's cube only once the cube accepted the first write", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const identity = { tenant_id: t.id, cube_id: `user:${user}` };
    // A cube object that refuses writes (closed, as in the middle of its deletion) and is not registered.
    expect((await cubeStub(env, identity).stats(identity)).ok).toBe(true);
    expect((await cubeStub(env, identity).close(identity)).ok).toBe(true);
    const refused = await api<Err>(t, "POST", "/v1/memories", { user_id: user, text: "refused", infer: false });
    expect(refused.status).toBe(404);
    expect(await registered(t.id, identity.cube_id)).toBe(false);
    const other = uniq("u");
    expect((await api(t, "POST", "/v1/memories", { user_id: other, text: "accepted", infer: false })).status).toBe(201);
    expect(await registered(t.id, `user:${other}`)).toBe(true);
  });

  it("registers a cube again from its outbox when a write reached it unregistered", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const add = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "Dora grows figs", infer: false });
    // What an isolate whose cache still held a deleted cube would leave: the cube has the write, D1 has no row.
    await env.DB.prepare("DELETE FROM cubes WHERE tenant_id = ? AND id = ?").bind(t.id, `user:${user}`).run();
    await runDurableObjectAlarm(stubOf(t.id, `user:${user}`));
    expect(await registered(t.id, `user:${user}`)).toBe(true);
    const wide = await api<SearchOut>(t, "POST", "/v1/search", { query: "figs" });
    expect(wide.body.results.map((r) => r.memory.id)).toEqual([(add.body.memories[0] as Mem).id]);
  });

  it("reads, updates and deletes a memory by its id alone right after it was written", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const add = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "fresh memory", infer: false });
    const id = (add.body.memories[0] as Mem).id;
    // No alarm has run: the catalog does not know the id yet.
    const catalog = await env.DB.prepare("SELECT 1 AS x FROM memories WHERE tenant_id = ? AND id = ?").bind(t.id, id).first();
    expect(catalog).toBeNull();
    expect((await api<Mem>(t, "GET", `/v1/memories/${id}`)).body.text).toBe("fresh memory");
    expect((await api<Mem>(t, "PATCH", `/v1/memories/${id}`, { text: "edited memory" })).body.text).toBe("edited memory");
    expect((await api(t, "GET", `/v1/memories/${id}/history`)).status).toBe(200);
    expect((await api(t, "DELETE", `/v1/memories/${id}`)).status).toBe(200);
    expect((await api(t, "GET", `/v1/memories/${id}`)).status).toBe(404);
  });

  it("never resolves another tenant's memory from the cube its id names", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const user = uniq("u");
    const add = await api<{ memories: Mem[] }>(a, "POST", "/v1/memories", { user_id: user, text: "A only", infer: false });
    const id = (add.body.memories[0] as Mem).id;
    // B has a cube of the same name, so the id's cube ref exists in B's registry too.
    await api(b, "POST", "/v1/memories", { user_id: user, text: "B's own", infer: false });
    for (const [method, body] of [["GET"], ["PATCH", { text: "pwned" }], ["DELETE"]] as const) {
      const r = await api<Err>(b, method, `/v1/memories/${id}`, body);
      expect(r.status, method).toBe(404);
    }
    expect((await api<Mem>(a, "GET", `/v1/memories/${id}`)).body.text).toBe("A only");
  });
});

describe("tenant-wide fan-out", () => {
  it("skips a cube that fails, names it, and answers from the others", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Bea plays the cello", infer: false });
    // A registration no cube object can serve (an id longer than any cube takes), as an older
    // release could leave behind.
    const broken = `user:${"x".repeat(200)}`;
    await env.DB.prepare("INSERT INTO cubes (tenant_id, id, created_at) VALUES (?, ?, ?)").bind(t.id, broken, Date.now()).run();
    for (const path of ["/v1/search", "/v1/context"]) {
      const r = await api<SearchOut & { context?: string }>(t, "POST", path, { query: "cello" });
      expect(r.status, path).toBe(200);
      expect(r.body.coverage).toMatchObject({ cubes_searched: 1, left_out: 0 });
      expect(r.body.coverage?.failed).toEqual([expect.objectContaining({ cube_id: broken, code: "invalid_request" })]);
    }
    const found = await api<SearchOut>(t, "POST", "/v1/search", { query: "cello" });
    expect(found.body.results.map((r) => r.memory.text)).toEqual(["Bea plays the cello"]);
  });

  it("searches every cube of a tenant with more cubes than one page of the fan-out", async () => {
    const t = await newTenant();
    const users = Array.from({ length: 110 }, (_, i) => `user-${String(i).padStart(3, "0")}`);
    for (const u of users) await api(t, "POST", "/v1/memories", { user_id: u, text: `${u} likes plain water`, infer: false });
    // Only the last cube, in insertion and id order, holds the word searched for.
    await api(t, "POST", "/v1/memories", { user_id: users[users.length - 1], text: "the marmalade recipe is in the blue book", infer: false });
    const r = await api<SearchOut>(t, "POST", "/v1/search", { query: "marmalade recipe", top_k: 3 });
    expect(r.status).toBe(200);
    expect(r.body.coverage).toMatchObject({ cubes_searched: 110, failed: [], left_out: 0 });
    expect(r.body.results[0]?.memory.text).toBe("the marmalade recipe is in the blue book");
  }, 120_000);
});

describe("DELETE /v1/cubes/:id", () => {
  it("deletes a cube and everything in it from the cube, the catalog and the registries", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const cube = `user:${user}`;
    const add = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "Cleo keeps bees in Porto", infer: false });
    const id = (add.body.memories[0] as Mem).id;
    const job = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", {
      user_id: user,
      sync: true,
      messages: [{ role: "user", name: "Cleo", content: "I sold forty jars of honey last week.", timestamp: "2024-06-01T10:00:00Z" }],
    });
    expect(job.status).toBe(201);
    await runDurableObjectAlarm(stubOf(t.id, cube));
    const stored = (await env.DB.prepare("SELECT COUNT(*) AS n FROM memories WHERE tenant_id = ? AND cube_id = ?").bind(t.id, cube).first<{ n: number }>())?.n ?? 0;
    expect(stored).toBeGreaterThanOrEqual(2);

    const del = await api<{ id: string; deleted: boolean; memories: number }>(t, "DELETE", `/v1/cubes/${cube}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id: cube, deleted: true, memories: stored });

    for (const table of ["memories", "jobs"]) {
      const n = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ? AND cube_id = ?`).bind(t.id, cube).first<{ n: number }>();
      expect(n?.n, table).toBe(0);
    }
    expect(await registered(t.id, cube)).toBe(false);
    const counts = (name: string) =>
      runInDurableObject(stubOf(t.id, name), (_c, state) => {
        const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").toArray();
        return Object.fromEntries(tables.map((r) => [r.name, state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${r.name}"`).one().n]));
      });
    // The object holds exactly what a never-used cube holds: its schema, and nothing of the data.
    expect(await counts(cube)).toEqual(await counts(`never-used-${uniq("c")}`));
    expect((await api(t, "GET", `/v1/memories/${id}`)).status).toBe(404);
    expect((await api(t, "GET", `/v1/jobs/${job.body.job.id}`)).status).toBe(404);
    expect((await api(t, "GET", `/v1/cubes/${cube}`)).status).toBe(404);
    expect((await api<SearchOut>(t, "POST", "/v1/search", { query: "bees honey" })).body.results).toEqual([]);
    // A second delete finds nothing to delete.
    expect((await api<Err>(t, "DELETE", `/v1/cubes/${cube}`)).status).toBe(404);
    // The user can start again from nothing.
    const again = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "a new start", infer: false });
    expect(again.status).toBe(201);
    expect((await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories.map((m) => m.text)).toEqual(["a new start"]);
  });

  it("refuses to delete another tenant's cube", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const made = await api<{ id: string }>(a, "POST", "/v1/cubes", { name: "team" });
    expect((await api<Err>(b, "DELETE", `/v1/cubes/${made.body.id}`)).status).toBe(404);
    expect((await api(a, "GET", `/v1/cubes/${made.body.id}`)).status).toBe(200);
  });
});
