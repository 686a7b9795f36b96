// Contract test: the Vectorize adapter against a fake that behaves like the binding
// (namespaces, metadata filters, topK limits, async-mutation answers).
import { describe, expect, it } from "vitest";
import type { VectorItem } from "../../src/memory/vector-index";
import { VectorizeVectorIndex, type VectorizeLike } from "../../src/providers/vectorize-index";

type Stored = { id: string; values: number[]; namespace: string | undefined; metadata: Record<string, VectorizeVectorMetadata> };

function matchesFilter(meta: Record<string, VectorizeVectorMetadata>, filter: VectorizeVectorMetadataFilter): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    const v = meta[key];
    if (cond === null || typeof cond !== "object") {
      if (v !== cond) return false;
      continue;
    }
    for (const [op, arg] of Object.entries(cond)) {
      if (op === "$eq" && v !== arg) return false;
      if (op === "$ne" && v === arg) return false;
      if (op === "$in" && !(Array.isArray(arg) && arg.includes(v as never))) return false;
      if (op === "$nin" && Array.isArray(arg) && arg.includes(v as never)) return false;
      if (!["$eq", "$ne", "$in", "$nin"].includes(op)) throw new Error(`VECTOR_QUERY_ERROR: unsupported operator ${op}`);
    }
  }
  return true;
}

/** Like the binding: ids are global, namespace partitions queries, limits throw. */
class FakeVectorize implements VectorizeLike {
  readonly store = new Map<string, Stored>();
  private mutations = 0;
  calls: string[] = [];
  constructor(readonly dims: number) {}

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    this.calls.push(`upsert:${vectors.length}`);
    if (vectors.length > 1000) throw new Error("VECTOR_UPSERT_ERROR: too many vectors");
    for (const v of vectors) {
      if (v.values.length !== this.dims) throw new Error(`VECTOR_UPSERT_ERROR: expected ${this.dims} dimensions`);
      this.store.set(v.id, { id: v.id, values: Array.from(v.values), namespace: v.namespace, metadata: { ...(v.metadata ?? {}) } as Record<string, VectorizeVectorMetadata> });
    }
    return { mutationId: `m-${++this.mutations}` };
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.calls.push(`delete:${ids.length}`);
    for (const id of ids) this.store.delete(id);
    return { mutationId: `m-${++this.mutations}` };
  }

  async query(vector: VectorFloatArray | number[], options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    const topK = options.topK ?? 5;
    const heavy = options.returnValues === true || options.returnMetadata === "all" || options.returnMetadata === true;
    if (topK < 1 || topK > (heavy ? 20 : 100)) throw new Error(`VECTOR_QUERY_ERROR: topK out of range: ${topK}`);
    if (options.filter && JSON.stringify(options.filter).length > 2048) throw new Error("VECTOR_QUERY_ERROR: filter too large");
    const q = Array.from(vector);
    const qn = Math.hypot(...q);
    const scored = [...this.store.values()]
      .filter((s) => options.namespace === undefined || s.namespace === options.namespace)
      .filter((s) => !options.filter || matchesFilter(s.metadata, options.filter))
      .map((s) => ({ s, score: s.values.reduce((a, x, i) => a + x * q[i]!, 0) / (Math.hypot(...s.values) * qn) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    const matches: VectorizeMatch[] = scored.map(({ s, score }) => ({
      id: s.id,
      score,
      ...(options.returnMetadata && options.returnMetadata !== "none" ? { metadata: s.metadata } : {}),
      ...(s.namespace ? { namespace: s.namespace } : {}),
    }));
    return { matches, count: matches.length };
  }
}

const item = (id: string, values: number[], tenant: string, cube: string, extra: Partial<VectorItem["metadata"]> = {}): VectorItem => ({
  id,
  values,
  metadata: { tenant_id: tenant, cube_id: cube, state: "active", created_at: 1, ...extra },
});

describe("VectorizeVectorIndex against a fake binding", () => {
  it("isolates tenants by namespace and filter, and returns metadata", async () => {
    const fake = new FakeVectorize(3);
    const index = new VectorizeVectorIndex(fake);
    await index.upsert([item("a", [1, 0, 0], "t1", "c1"), item("b", [1, 0.1, 0], "t2", "c1"), item("c", [0, 1, 0], "t1", "c2")]);
    expect(fake.store.get("a")?.namespace).toBe("t1");
    const res = await index.query([1, 0, 0], { topK: 10, filter: { tenant_id: "t1" } });
    expect(res.map((r) => r.id)).toEqual(["a", "c"]);
    expect(res[0]?.metadata).toEqual({ tenant_id: "t1", cube_id: "c1", state: "active", created_at: 1 });
    const other = await index.query([1, 0, 0], { topK: 10, filter: { tenant_id: "t2" } });
    expect(other.map((r) => r.id)).toEqual(["b"]);
  });

  it("refuses a query without a tenant", async () => {
    const index = new VectorizeVectorIndex(new FakeVectorize(3));
    await expect(index.query([1, 0, 0], { topK: 1, filter: { tenant_id: "" } })).rejects.toThrow(/tenant/);
  });

  it("filters by cube ($eq), several cubes ($in) and state", async () => {
    const index = new VectorizeVectorIndex(new FakeVectorize(2));
    await index.upsert([
      item("a", [1, 0], "t", "c1"),
      item("b", [1, 0], "t", "c2", { user_id: "u1" }),
      item("c", [1, 0], "t", "c3", { state: "archived" }),
    ]);
    const q = (filter: Parameters<VectorizeVectorIndex["query"]>[1]["filter"]) =>
      index.query([1, 0], { topK: 5, filter }).then((r) => r.map((m) => m.id).sort());
    expect(await q({ tenant_id: "t", cube_id: "c1" })).toEqual(["a"]);
    expect(await q({ tenant_id: "t", cube_id: { $in: ["c1", "c2"] } })).toEqual(["a", "b"]);
    expect(await q({ tenant_id: "t", state: "active" })).toEqual(["a", "b"]);
    expect(await q({ tenant_id: "t", user_id: "u1" })).toEqual(["b"]);
  });

  it("upserts idempotently by id and deletes", async () => {
    const fake = new FakeVectorize(2);
    const index = new VectorizeVectorIndex(fake);
    await index.upsert([item("a", [1, 0], "t", "c1")]);
    await index.upsert([item("a", [0, 1], "t", "c1", { state: "archived" })]);
    expect(fake.store.size).toBe(1);
    expect(fake.store.get("a")?.metadata.state).toBe("archived");
    await index.deleteByIds(["a", "missing"]);
    await index.deleteByIds(["a"]);
    expect(await index.query([1, 0], { topK: 5, filter: { tenant_id: "t" } })).toEqual([]);
  });

  it("clamps topK to the binding's limit and batches big writes", async () => {
    const fake = new FakeVectorize(2);
    const index = new VectorizeVectorIndex(fake);
    await index.upsert(Array.from({ length: 2500 }, (_, i) => item(`v${i}`, [1, i / 2500], "t", "c")));
    expect(fake.calls).toEqual(["upsert:1000", "upsert:1000", "upsert:500"]);
    const res = await index.query([1, 0], { topK: 1000, filter: { tenant_id: "t" } });
    expect(res).toHaveLength(100);
    for (let i = 1; i < res.length; i++) expect(res[i - 1]!.score).toBeGreaterThanOrEqual(res[i]!.score);
  });

  it("rejects ids longer than 64 bytes before calling the binding", async () => {
    const fake = new FakeVectorize(2);
    await expect(new VectorizeVectorIndex(fake).upsert([item("x".repeat(65), [1, 0], "t", "c")])).rejects.toThrow(/64 bytes/);
    expect(fake.calls).toEqual([]);
  });

  it("turns binding failures into ProviderError", async () => {
    const index = new VectorizeVectorIndex(new FakeVectorize(3));
    await expect(index.upsert([item("a", [1, 0], "t", "c")])).rejects.toMatchObject({ name: "ProviderError" });
  });
});
