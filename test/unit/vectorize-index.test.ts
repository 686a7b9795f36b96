// Contract test: the Vectorize adapter against a fake that behaves like the binding
// (namespaces, metadata filters, topK limits, async-mutation answers).
import { describe, expect, it } from "vitest";
import type { VectorItem } from "../../src/memory/vector-index";
import { VectorizeVectorIndex } from "../../src/providers/vectorize-index";
import { FakeVectorize } from "../fakes/vectorize";

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
