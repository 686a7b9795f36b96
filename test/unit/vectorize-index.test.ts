// Contract test: the Vectorize adapter against a fake that behaves like the binding
// (namespaces, metadata indexes, delayed visibility, topK limits, async-mutation answers).
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import type { VectorFilter, VectorItem } from "../../src/memory/vectors/vector-index";
import {
  VECTORIZE_MAX_METADATA_INDEXES,
  VECTORIZE_METADATA_INDEXES,
  VectorizeVectorIndex,
  metadataIndexCommands,
  toVectorizeFilter,
} from "../../src/providers/vectorize-index";
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
    fake.settle();
    expect(fake.store.get("a")?.namespace).toBe("t1");
    const res = await index.query([1, 0, 0], { topK: 10, filter: { tenant_id: "t1" } });
    expect(res.map((r) => r.id)).toEqual(["a", "c"]);
    // returnMetadata "indexed": the indexed fields only (created_at is stored, not indexed).
    expect(res[0]?.metadata).toEqual({ tenant_id: "t1", cube_id: "c1", state: "active" });
    const other = await index.query([1, 0, 0], { topK: 10, filter: { tenant_id: "t2" } });
    expect(other.map((r) => r.id)).toEqual(["b"]);
  });

  it("refuses a query without a tenant", async () => {
    const index = new VectorizeVectorIndex(new FakeVectorize(3));
    await expect(index.query([1, 0, 0], { topK: 1, filter: { tenant_id: "" } })).rejects.toThrow(/tenant/);
  });

  it("filters by cube ($eq), several cubes ($in) and state", async () => {
    const fake = new FakeVectorize(2);
    const index = new VectorizeVectorIndex(fake);
    await index.upsert([
      item("a", [1, 0], "t", "c1"),
      item("b", [1, 0], "t", "c2", { user_id: "u1" }),
      item("c", [1, 0], "t", "c3", { state: "archived" }),
    ]);
    fake.settle();
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
    fake.settle();
    expect(fake.store.size).toBe(1);
    expect(fake.store.get("a")?.metadata.state).toBe("archived");
    await index.deleteByIds(["a", "missing"]);
    await index.deleteByIds(["a"]);
    fake.settle();
    expect(await index.query([1, 0], { topK: 5, filter: { tenant_id: "t" } })).toEqual([]);
  });

  it("clamps topK to the binding's limit and batches big writes", async () => {
    const fake = new FakeVectorize(2);
    const index = new VectorizeVectorIndex(fake);
    await index.upsert(Array.from({ length: 2500 }, (_, i) => item(`v${i}`, [1, i / 2500], "t", "c")));
    expect(fake.calls).toEqual(["upsert:1000", "upsert:1000", "upsert:500"]);
    fake.settle();
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

  it("filters only on fields with a metadata index, and the README creates every one of them", () => {
    // Every field a VectorFilter can carry (Required: a new field must be added here too).
    const every: Required<VectorFilter> = { tenant_id: "t", cube_id: "c", user_id: "u", agent_id: "a", state: { $in: ["active", "superseded"] } };
    const indexed = new Set<string>(VECTORIZE_METADATA_INDEXES.map((m) => m.property));
    for (const key of Object.keys(every)) expect(indexed, `filter field ${key} has no metadata index`).toContain(key);
    for (const key of Object.keys(toVectorizeFilter(every))) expect(indexed).toContain(key);
    expect(VECTORIZE_METADATA_INDEXES.length).toBeLessThanOrEqual(VECTORIZE_MAX_METADATA_INDEXES);
    // A field without an index would match nothing in Vectorize: the adapter refuses it instead.
    expect(() => toVectorizeFilter({ tenant_id: "t", session_id: "s" } as VectorFilter)).toThrow(/no metadata index/);
    // The README's deploy steps create exactly these indexes.
    const inReadme = readme.split("\n").map((l) => l.trim()).filter((l) => l.includes("vectorize create-metadata-index"));
    expect(inReadme.sort()).toEqual(metadataIndexCommands("memos-memories").sort());
  });

  it("sees writes only after the visibility delay, like the binding", async () => {
    let now = 1_000;
    const fake = new FakeVectorize(2, { visibilityMs: 3_000, now: () => now });
    const index = new VectorizeVectorIndex(fake);
    await index.upsert([item("a", [1, 0], "t", "c")]);
    expect(await index.query([1, 0], { topK: 5, filter: { tenant_id: "t" } })).toEqual([]);
    now += 3_000;
    expect((await index.query([1, 0], { topK: 5, filter: { tenant_id: "t" } })).map((m) => m.id)).toEqual(["a"]);
    await index.deleteByIds(["a"]);
    expect(await index.query([1, 0], { topK: 5, filter: { tenant_id: "t" } })).toHaveLength(1);
    now += 3_000;
    expect(await index.query([1, 0], { topK: 5, filter: { tenant_id: "t" } })).toEqual([]);
  });

  it("fake: a filter on a field without a metadata index, or written before the index, matches nothing", async () => {
    const fake = new FakeVectorize(2, { metadataIndexes: [{ property: "tenant_id", type: "string" }] });
    const meta = { tenant_id: "t", cube_id: "c", state: "active" };
    await fake.upsert([{ id: "a", values: [1, 0], namespace: "t", metadata: meta }]);
    fake.settle();
    const ids = async (filter: VectorizeVectorMetadataFilter) => (await fake.query([1, 0], { topK: 5, filter })).matches.map((m) => m.id);
    expect(await ids({ tenant_id: "t" })).toEqual(["a"]);
    expect(await ids({ tenant_id: "t", cube_id: "c" })).toEqual([]);
    expect(fake.unindexedFilters).toContain("cube_id");
    // Created after the vector was written: the vector is not in it until it is written again.
    fake.createMetadataIndex("cube_id", "string");
    expect(await ids({ tenant_id: "t", cube_id: "c" })).toEqual([]);
    await fake.upsert([{ id: "a", values: [1, 0], namespace: "t", metadata: meta }]);
    fake.settle();
    expect(await ids({ tenant_id: "t", cube_id: "c" })).toEqual(["a"]);
    expect(await ids({ tenant_id: "t", cube_id: { $in: ["c", "d"] } })).toEqual(["a"]);
    await expect(fake.query([1, 0], { topK: 5, filter: { tenant_id: { $regex: "t" } } as unknown as VectorizeVectorMetadataFilter })).rejects.toThrow(/unsupported operator/);
    expect(() => {
      for (let i = 0; i < 10; i++) fake.createMetadataIndex(`p${i}`, "number");
    }).toThrow(/limit/);
  });
});
