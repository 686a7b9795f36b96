// A cube over VECTOR_INDEX_CUBE_THRESHOLD answers its vector route from the VectorIndex (Vectorize
// fake, whose writes become visible seconds later); so does a tenant-wide search, cube by cube.
import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { api, newTenant, principal, uniq, type Tenant } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";
import { VectorIndexSink } from "../durable-objects/cube/outbox/vector-sink";
import { DEFAULT_CUBE_THRESHOLD, largeCubeIndex } from "../durable-objects/cube/search/index-route";
import { VectorizeVectorIndex } from "../src/providers/vectorize-index";
import type { VectorIndex, VectorMatch, VectorQuery } from "../src/memory/vectors/vector-index";
import { getEmbedder } from "../src/services/providers";
import { runSearch } from "../src/services/search";
import { depsFromEnv } from "../src/services/deps";
import { searchBody } from "../src/api/schemas";
import { FakeVectorize } from "./fakes/vectorize";

interface SearchOut {
  results: Array<{ memory: { id: string; text: string }; score_breakdown: Record<string, number> }>;
}

const stubOf = (t: Tenant, user: string) => probeStub(`${t.id}/user:${user}`);

/** Adds memories to a user's cube and sends them to `index` through the outbox (not yet visible there). */
async function add(t: Tenant, user: string, texts: string[], index: VectorIndex): Promise<string[]> {
  const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", {
    user_id: user,
    infer: false,
    messages: texts.map((content) => ({ role: "user", content })),
  });
  await runInDurableObject(stubOf(t, user), async (cube: CubeObject) => {
    cube.setSinks([new VectorIndexSink(index)]);
    await cube.drain();
  });
  return body.memories.map((m) => m.id);
}

/** `add`, then as long a wait as Vectorize needs: the writes are visible to its queries. */
async function fill(t: Tenant, user: string, texts: string[], index: VectorIndex, fake: FakeVectorize): Promise<string[]> {
  const ids = await add(t, user, texts, index);
  fake.settle();
  return ids;
}

/** Counts queries, and optionally ignores the filter like a broken index would. */
class Spy implements VectorIndex {
  queries: VectorQuery[] = [];
  readonly visibilityMs: number;
  constructor(private readonly inner: VectorizeVectorIndex, private readonly leaky = false) {
    this.visibilityMs = inner.visibilityMs;
  }
  upsert = (items: Parameters<VectorIndex["upsert"]>[0]) => this.inner.upsert(items);
  deleteByIds = (ids: readonly string[]) => this.inner.deleteByIds(ids);
  async query(vector: Float32Array | number[], options: VectorQuery): Promise<VectorMatch[]> {
    this.queries.push(options);
    return this.inner.query(vector, this.leaky ? { ...options, filter: { tenant_id: options.filter.tenant_id } } : options);
  }
}

describe("large cubes search the VectorIndex", () => {
  it("answers the vector route from the index above the threshold, only with this cube's memories", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const [me, neighbour] = [uniq("u"), uniq("u")];
    const fake = new FakeVectorize(getEmbedder(env).dimensions);
    const spy = new Spy(new VectorizeVectorIndex(fake), true);
    const texts = ["the telescope mirror needs grinding", "telescope eyepiece was ordered", "grocery list for sunday"];
    const mine = await fill(t, me, texts, spy, fake);
    const theirs = await fill(t, neighbour, texts, spy, fake);
    const foreign = await fill(other, me, texts, spy, fake);
    expect(fake.store.size).toBe(9);

    await runInDurableObject(stubOf(t, me), (cube: CubeObject) => {
      cube.setLargeIndex({ index: spy, threshold: 2 });
    });
    const { body } = await api<SearchOut>(t, "POST", "/v1/search", { user_id: me, query: "telescope mirror", weights: { keyword: 0, entity: 0 } });
    expect(spy.queries).toHaveLength(1);
    expect(spy.queries[0]?.filter).toMatchObject({ tenant_id: t.id, cube_id: `user:${me}`, user_id: me, state: "active" });
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results[0]?.memory.id).toBe(mine[0]);
    expect(body.results.every((r) => (r.score_breakdown.vector ?? 0) > 0)).toBe(true);
    // The leaky index returned the neighbour cube's copies too: the cube dropped them.
    const ids = body.results.map((r) => r.memory.id);
    expect(ids.every((id) => mine.includes(id))).toBe(true);
    expect(ids.some((id) => theirs.includes(id) || foreign.includes(id))).toBe(false);

    // The scan index was never loaded into memory for this cube.
    const stats = await runInDurableObject(stubOf(t, me), (cube: CubeObject) => cube.stats({ tenant_id: t.id, cube_id: `user:${me}` }));
    expect(stats.ok && stats.value.vectors_cached).toBe(0);

    // At or below the threshold: the in-memory scan answers, the index is not asked.
    await runInDurableObject(stubOf(t, me), (cube: CubeObject) => {
      cube.setLargeIndex({ index: spy, threshold: 3 });
    });
    const scanned = await api<SearchOut>(t, "POST", "/v1/search", { user_id: me, query: "telescope", weights: { keyword: 0, entity: 0 } });
    expect(spy.queries).toHaveLength(1);
    expect(scanned.body.results.every((r) => mine.includes(r.memory.id))).toBe(true);
  });

  it("scores memories the index has not been told about yet (outbox not drained) in the object", async () => {
    const t = await newTenant();
    const me = uniq("u");
    const fake = new FakeVectorize(getEmbedder(env).dimensions);
    const spy = new Spy(new VectorizeVectorIndex(fake));
    await fill(t, me, ["grocery list for sunday", "the bike tyre is flat", "call the dentist"], spy, fake);
    await runInDurableObject(stubOf(t, me), (cube: CubeObject) => {
      cube.setLargeIndex({ index: spy, threshold: 2 });
    });
    // Written after the drain: in the cube and its outbox, not in the index.
    const { body: added } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", {
      user_id: me,
      infer: false,
      messages: [{ role: "user", content: "the telescope mirror needs grinding" }],
    });
    const fresh = added.memories[0]?.id;
    expect(fake.store.size).toBe(3);
    const { body } = await api<SearchOut>(t, "POST", "/v1/search", { user_id: me, query: "telescope mirror", weights: { keyword: 0, entity: 0 } });
    expect(spy.queries).toHaveLength(1);
    expect(body.results[0]?.memory.id).toBe(fresh);
    expect(body.results[0]?.score_breakdown.vector).toBeGreaterThan(0);
  });

  it("scores memories sent to the index but not visible there yet (Vectorize applies writes seconds later)", async () => {
    const t = await newTenant();
    const me = uniq("u");
    const fake = new FakeVectorize(getEmbedder(env).dimensions, { visibilityMs: 60_000 });
    const spy = new Spy(new VectorizeVectorIndex(fake));
    await fill(t, me, ["grocery list for sunday", "the bike tyre is flat", "call the dentist"], spy, fake);
    await runInDurableObject(stubOf(t, me), (cube: CubeObject) => {
      cube.setLargeIndex({ index: spy, threshold: 2 });
    });
    // Drained: the outbox is empty and the upsert was acknowledged, but queries do not see it yet.
    const [fresh] = await add(t, me, ["the telescope mirror needs grinding"], spy);
    expect(fake.invisible).toBe(1);
    expect(fake.store.has(fresh as string)).toBe(false);
    const { body } = await api<SearchOut>(t, "POST", "/v1/search", { user_id: me, query: "telescope mirror", weights: { keyword: 0, entity: 0 } });
    expect(spy.queries).toHaveLength(1);
    expect(body.results[0]?.memory.id).toBe(fresh);
    expect(body.results[0]?.score_breakdown.vector).toBeGreaterThan(0);
  });

  it("a tenant-wide search through the index includes each cube's writes not visible there yet", async () => {
    const t = await newTenant();
    const [old, recent] = [uniq("u"), uniq("u")];
    const fake = new FakeVectorize(getEmbedder(env).dimensions, { visibilityMs: 60_000 });
    const spy = new Spy(new VectorizeVectorIndex(fake));
    const seen = await fill(t, old, ["the telescope eyepiece was ordered", "grocery list for sunday"], spy, fake);
    const [unseen] = await add(t, recent, ["the telescope mirror needs grinding"], spy);
    expect(fake.store.has(unseen as string)).toBe(false);
    const body = searchBody.parse({ query: "telescope mirror", weights: { keyword: 0, entity: 0 } });
    const out = await runSearch({ ...depsFromEnv(env), vectorIndex: spy }, principal(t.id), body, false);
    expect(spy.queries).toHaveLength(1);
    const ids = out.results.map((r) => r.memory.id);
    expect(ids[0]).toBe(unseen);
    expect(ids).toContain(seen[0]);
    expect(out.results[0]?.score_breakdown.vector).toBeGreaterThan(0);
  });

  it("a tenant-wide as_of search through the index asks for superseded memories too", async () => {
    const t = await newTenant();
    const me = uniq("u");
    const fake = new FakeVectorize(getEmbedder(env).dimensions);
    const spy = new Spy(new VectorizeVectorIndex(fake));
    await fill(t, me, ["Ann lives in Oslo"], spy, fake);
    const body = searchBody.parse({ query: "where does Ann live", as_of: "2020-01-01T00:00:00Z" });
    await runSearch({ ...depsFromEnv(env), vectorIndex: spy }, principal(t.id), body, false);
    expect(spy.queries[0]?.filter.state).toEqual({ $in: ["active", "superseded"] });
    await runSearch({ ...depsFromEnv(env), vectorIndex: spy }, principal(t.id), searchBody.parse({ query: "where does Ann live" }), false);
    expect(spy.queries[1]?.filter.state).toBe("active");
  });

  it("reads the threshold from configuration only when Vectorize is the index", () => {
    const VECTORIZE = new FakeVectorize(4);
    expect(largeCubeIndex({})).toBeNull();
    expect(largeCubeIndex({ VECTOR_INDEX: "local", VECTOR_INDEX_CUBE_THRESHOLD: "10" })).toBeNull();
    expect(largeCubeIndex({ VECTOR_INDEX: "vectorize", VECTORIZE })?.threshold).toBe(DEFAULT_CUBE_THRESHOLD);
    expect(largeCubeIndex({ VECTOR_INDEX: "vectorize", VECTORIZE, VECTOR_INDEX_CUBE_THRESHOLD: "5000" })?.threshold).toBe(5000);
    expect(() => largeCubeIndex({ VECTOR_INDEX: "vectorize", VECTORIZE, VECTOR_INDEX_CUBE_THRESHOLD: "lots" })).toThrow(/non-negative integer/);
  });
});
