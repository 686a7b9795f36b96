// A cube whose in-memory vector index is too large to read on a request reads it between
// requests; a search meanwhile gets 503 with Retry-After, never a held or dropped connection.
import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";
import { VectorCache } from "../durable-objects/cube/search/vectors";

interface SearchOut {
  results: Array<{ memory: { id: string; text: string }; score_breakdown: Record<string, number> }>;
}
interface ErrorOut {
  error: { code: string; message: string; details?: { reason: string; retry_after_s: number; vectors_read: number; vectors_total: number } };
}

const stubOf = (t: Tenant, user: string) => probeStub(`${t.id}/user:${user}`);
const identityOf = (t: Tenant, user: string) => ({ tenant_id: t.id, cube_id: `user:${user}` });

async function fill(t: Tenant, user: string, n: number): Promise<void> {
  const messages = Array.from({ length: n }, (_, i) => ({ role: "user", content: `note ${i}: ${i % 7 === 0 ? "the telescope mirror" : "a grocery list"} item ${i}` }));
  const res = await api(t, "POST", "/v1/memories", { user_id: user, infer: false, messages });
  expect(res.status).toBe(201);
}

const cached = async (t: Tenant, user: string): Promise<number> => {
  const stats = await runInDurableObject(stubOf(t, user), (cube: CubeObject) => cube.stats(identityOf(t, user)));
  if (!stats.ok) throw new Error(stats.error.message);
  return stats.value.vectors_cached;
};

describe("reading a large in-memory vector index off the request path", () => {
  it("answers 503 with Retry-After while the index is read between requests, then searches it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await fill(t, user, 300);
    await runInDurableObject(stubOf(t, user), (cube: CubeObject) => {
      cube.setIndexLoadLimit(100);
    });
    const query = { user_id: user, query: "telescope mirror", weights: { keyword: 0, entity: 0 } };

    const busy = await api<ErrorOut>(t, "POST", "/v1/search", query);
    expect(busy.status).toBe(503);
    expect(busy.body.error.code).toBe("upstream_unavailable");
    expect(busy.body.error.details?.reason).toBe("vector_index_loading");
    expect(busy.body.error.details?.vectors_total).toBe(300);
    const retryAfter = Number(busy.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(busy.body.error.details?.retry_after_s).toBe(retryAfter);

    // A search without the vector route does not need the index, and does not read it.
    const keyword = await api<SearchOut>(t, "POST", "/v1/search", { user_id: user, query: "telescope mirror", weights: { vector: 0 } });
    expect(keyword.status).toBe(200);
    expect(keyword.body.results.length).toBeGreaterThan(0);

    // The drain (the alarm) joins the read the search started; then the index answers.
    await runInDurableObject(stubOf(t, user), (cube: CubeObject) => cube.drain());
    expect(await cached(t, user)).toBe(300);
    const ready = await api<SearchOut>(t, "POST", "/v1/search", query);
    expect(ready.status).toBe(200);
    expect(ready.body.results[0]?.memory.text).toContain("telescope mirror");
    expect(ready.body.results[0]?.score_breakdown.vector).toBeGreaterThan(0);
  });

  it("reads the index again in the background after the object lost it, before a search needs it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await fill(t, user, 150);
    // Small enough to read on the request: the first search does, and the cube remembers it used it.
    expect((await api(t, "POST", "/v1/search", { user_id: user, query: "telescope" })).status).toBe(200);
    expect(await cached(t, user)).toBe(150);
    await runInDurableObject(stubOf(t, user), (cube: CubeObject, state) => {
      // As after an eviction or a deploy: a new cache, nothing in memory; then the cube grew.
      (cube as unknown as { vectors: VectorCache }).vectors = new VectorCache(state.storage.sql);
      cube.setIndexLoadLimit(100);
    });
    expect(await cached(t, user)).toBe(0);
    await fill(t, user, 50);
    await runInDurableObject(stubOf(t, user), (cube: CubeObject) => cube.drain());
    expect(await cached(t, user)).toBe(200);
    expect((await api(t, "POST", "/v1/search", { user_id: user, query: "telescope mirror", weights: { keyword: 0 } })).status).toBe(200);
  });

  it("keeps writes made while the index is being read", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await fill(t, user, 1);
    await runInDurableObject(stubOf(t, user), (_cube: CubeObject, state) => {
      const sql = state.storage.sql;
      const v = (i: number): Float32Array => Float32Array.from([Math.cos(i), Math.sin(i), (i % 5) / 5, 1]);
      const writer = new VectorCache(sql);
      for (let seq = 1000; seq < 1250; seq++) writer.put(seq, "test-emb", v(seq));
      const cache = new VectorCache(sql);
      expect(cache.loadStep("test-emb", 4, 100)).toBe(false);
      expect(cache.ready("test-emb", 4)).toBe(false);
      expect(cache.remaining("test-emb", 4)).toBeLessThanOrEqual(151);
      // Behind the read position: applied to the part read. Beyond it: read later, as it is then.
      const moved = Float32Array.from([0, 0, -1, 0]);
      cache.put(1050, "test-emb", moved);
      cache.remove(1010);
      const added = Float32Array.from([0, -1, 0, 0]);
      cache.put(5000, "test-emb", added);
      cache.remove(1200);
      expect(cache.loadStep("test-emb", 4, Number.POSITIVE_INFINITY)).toBe(true);
      expect(cache.ready("test-emb", 4)).toBe(true);
      expect(cache.size).toBe(250 - 2 + 1);
      expect(cache.search("test-emb", moved, 1, () => true)[0]?.seq).toBe(1050);
      expect(cache.search("test-emb", added, 1, () => true)[0]?.seq).toBe(5000);
      const all = new Set(cache.search("test-emb", v(1010), 300, () => true).map((h) => h.seq));
      expect(all.has(1010) || all.has(1200)).toBe(false);
    });
  });
});
