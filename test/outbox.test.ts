// The outbox drains to D1 by alarm, retries after an injected D1 failure, and survives restarts.
import { describe, expect, it } from "vitest";
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";
import type { OutboxSink } from "../durable-objects/cube/outbox/outbox";

const stubFor = (tenant: string, user: string) => probeStub(`${tenant}/user:${user}`);

async function catalogRow(tenant: string, id: string) {
  return env.DB.prepare("SELECT id, text, version, state FROM memories WHERE tenant_id = ? AND id = ?").bind(tenant, id).first<{ id: string; text: string; version: number }>();
}

const failing: OutboxSink = {
  name: "broken-d1",
  needsVectors: false,
  upsert: () => Promise.reject(new Error("D1_ERROR: injected outage")),
  delete: () => Promise.reject(new Error("D1_ERROR: injected outage")),
};

describe("outbox", () => {
  it("drains an acknowledged write into D1's catalog when the alarm runs", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "drain me", infer: false });
    const id = (body.memories[0] as { id: string }).id;
    await runDurableObjectAlarm(stubFor(t.id, user));
    expect(await catalogRow(t.id, id)).toMatchObject({ id, text: "drain me", version: 1 });
    // Tenant-wide reads come from the catalog.
    const wide = await api<{ memories: Array<{ id: string }> }>(t, "GET", "/v1/memories");
    expect(wide.body.memories.map((m) => m.id)).toEqual([id]);
    expect((await api<{ text: string }>(t, "GET", `/v1/memories/${id}`)).body.text).toBe("drain me");
  });

  it("keeps changes through a D1 outage and delivers them once D1 is back", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubFor(t.id, user);
    await api(t, "POST", "/v1/memories", { user_id: user, text: "warm up", infer: false });
    await runInDurableObject(stub, (cube: CubeObject) => {
      cube.setSinks([failing]);
    });
    const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "written during outage", infer: false });
    const id = (body.memories[0] as { id: string }).id;
    const report = await runInDurableObject(stub, (cube: CubeObject) => cube.drain());
    expect(report.drained).toBe(0);
    expect(await catalogRow(t.id, id)).toBeNull();
    const stats = await runInDurableObject(stub, (cube: CubeObject, state) => {
      const row = state.storage.sql.exec<{ attempts: number; last_error: string }>("SELECT attempts, last_error FROM outbox ORDER BY seq DESC LIMIT 1").one();
      return row;
    });
    expect(stats.attempts).toBeGreaterThanOrEqual(1);
    expect(stats.last_error).toContain("injected outage");
    expect(await runInDurableObject(stub, (_c, state) => state.storage.getAlarm())).not.toBeNull();

    // D1 recovers: the backed-off rows are retried on the next alarm.
    await runInDurableObject(stub, (cube: CubeObject, state) => {
      cube.setSinks(null);
      state.storage.sql.exec("UPDATE outbox SET next_at = 0");
    });
    const after = await runInDurableObject(stub, (cube: CubeObject) => cube.drain());
    expect(after.drained).toBeGreaterThanOrEqual(1);
    expect(after.next_at).toBeNull();
    expect(await catalogRow(t.id, id)).toMatchObject({ text: "written during outage" });
  });

  it("removes a deleted memory from every store: cube, FTS, vectors, versions' text, D1", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubFor(t.id, user);
    const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "the launch code is zebra", infer: false });
    const id = (body.memories[0] as { id: string }).id;
    await runDurableObjectAlarm(stub);
    expect(await catalogRow(t.id, id)).not.toBeNull();
    expect((await api<{ results: unknown[] }>(t, "POST", "/v1/search", { query: "launch code zebra", user_id: user })).body.results).toHaveLength(1);

    expect((await api(t, "DELETE", `/v1/memories/${id}?user_id=${user}`)).status).toBe(200);
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, (cube: CubeObject) => cube.drain());

    expect(await catalogRow(t.id, id)).toBeNull();
    expect((await api<{ results: unknown[] }>(t, "POST", "/v1/search", { query: "launch code zebra", user_id: user })).body.results).toHaveLength(0);
    expect((await api<{ memories: unknown[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories).toHaveLength(0);
    expect((await api(t, "GET", `/v1/memories/${id}/history?user_id=${user}`)).status).toBe(404);
    const leftovers = await runInDurableObject(stub, (_c, state) => {
      const sql = state.storage.sql;
      return {
        fts: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM memory_fts WHERE memory_fts MATCH 'zebra'").one().n,
        vectors: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n,
        text: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM memories WHERE text LIKE '%zebra%'").one().n,
        versions: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM memory_versions WHERE snapshot LIKE '%zebra%'").one().n,
        tombstone: sql.exec<{ state: string }>("SELECT state FROM memories WHERE id = ?", id).one().state,
      };
    });
    expect(leftovers).toEqual({ fts: 0, vectors: 0, text: 0, versions: 0, tombstone: "deleted" });
  });

  it("keeps an acknowledged write across a restart of the object", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = stubFor(t.id, user);
    const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "survives eviction", infer: false });
    const id = (body.memories[0] as { id: string }).id;
    await evictDurableObject(stub);
    const got = await api<{ text: string }>(t, "GET", `/v1/memories/${id}?user_id=${user}`);
    expect(got.status).toBe(200);
    expect(got.body.text).toBe("survives eviction");
    // The in-memory vector index is rebuilt from storage after the restart.
    const found = await api<{ results: Array<{ memory: { id: string }; score_breakdown: Record<string, number> }> }>(t, "POST", "/v1/search", { query: "survives eviction", user_id: user });
    expect(found.body.results[0]?.memory.id).toBe(id);
    expect(found.body.results[0]?.score_breakdown.vector).toBeGreaterThan(0);
  });

  it("migrates its own schema and reports the version", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "x", infer: false });
    const stats = await api<{ schema_version: number; memories: { active: number } }>(t, "GET", `/v1/cubes/user:${user}`);
    expect(stats.body.schema_version).toBeGreaterThanOrEqual(1);
    expect(stats.body.memories.active).toBe(1);
  });
});
