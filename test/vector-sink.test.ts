// The outbox mirrors vectors into a VectorIndex (the Vectorize adapter over a faithful fake).
import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";
import { D1CatalogSink } from "../durable-objects/cube/outbox/d1-sink";
import { VectorIndexSink } from "../durable-objects/cube/outbox/vector-sink";
import { VectorizeVectorIndex } from "../src/providers/vectorize-index";
import { selectVectorIndex } from "../src/providers/select-vector-index";
import { getEmbedder } from "../src/services/providers";
import { FakeVectorize } from "./fakes/vectorize";

describe("Vectorize through the outbox", () => {
  it("upserts vectors with tenant metadata, and deletes them with the memory", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const stub = probeStub(`${t.id}/user:${user}`);
    const fake = new FakeVectorize(getEmbedder(env).dimensions);
    const index = new VectorizeVectorIndex(fake);
    await api(t, "POST", "/v1/memories", { user_id: user, text: "first", infer: false });
    await runInDurableObject(stub, async (cube: CubeObject) => {
      await cube.drain();
      cube.setSinks([new D1CatalogSink(env.DB, t.id), new VectorIndexSink(index)]);
    });
    const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "the quarterly report is due friday", infer: false });
    const id = (body.memories[0] as { id: string }).id;
    await runInDurableObject(stub, (cube: CubeObject) => cube.drain());
    // Vectorize shows a write seconds after acknowledging it; the cube remembers it until then.
    expect(fake.store.has(id)).toBe(false);
    const unseen = await runInDurableObject(stub, (_cube: CubeObject, state) =>
      state.storage.sql.exec<{ visible_at: number }>("SELECT visible_at FROM vector_unseen u JOIN memories m ON m.seq = u.seq WHERE m.id = ?", id).toArray(),
    );
    expect(unseen[0]?.visible_at).toBeGreaterThan(Date.now());
    fake.settle();
    const stored = fake.store.get(id);
    expect(stored?.namespace).toBe(t.id);
    expect(stored?.metadata).toMatchObject({ tenant_id: t.id, cube_id: `user:${user}`, user_id: user, state: "active" });

    const [q] = await getEmbedder(env).embed(["quarterly report due"]);
    const hits = await index.query(q as Float32Array, { topK: 5, filter: { tenant_id: t.id } });
    expect(hits[0]?.id).toBe(id);
    expect(await index.query(q as Float32Array, { topK: 5, filter: { tenant_id: "tnt_other" } })).toEqual([]);

    await api(t, "DELETE", `/v1/memories/${id}?user_id=${user}`);
    await runInDurableObject(stub, (cube: CubeObject) => cube.drain());
    fake.settle();
    expect(fake.store.has(id)).toBe(false);
  });

  it("is chosen from configuration, and refuses vectorize without a binding", () => {
    expect(selectVectorIndex({})).toBeNull();
    expect(selectVectorIndex({ VECTOR_INDEX: "local" })).toBeNull();
    expect(selectVectorIndex({ VECTOR_INDEX: "vectorize", VECTORIZE: new FakeVectorize(4) })).toBeInstanceOf(VectorizeVectorIndex);
    expect(() => selectVectorIndex({ VECTOR_INDEX: "vectorize" })).toThrow(/VECTORIZE binding/);
    expect(() => selectVectorIndex({ VECTOR_INDEX: "pinecone" })).toThrow(/unknown VECTOR_INDEX/);
  });
});
