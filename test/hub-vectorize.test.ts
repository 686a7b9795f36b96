// Hub search on the deployed path: approved listings' vectors in the tenant's Vectorize index (a reserved cube id), removed on unpublish, never across tenants.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { FakeVectorize } from "./fakes/vectorize";
import { VectorizeVectorIndex } from "../src/providers/vectorize-index";
import { depsFromEnv } from "../src/services/deps";
import { getEmbedder } from "../src/services/providers";
import { hubStore } from "../src/services/hub-store";
import { decideListing, HUB_VECTOR_CUBE, publish, searchHub, unpublish } from "../src/services/hub";
import { cubeSkills } from "../src/services/hub-skills";
import type { HubCaller, HubDeps } from "../src/services/groups";
import type { VectorIndex, VectorQuery } from "../src/memory/vectors/vector-index";

async function remember(t: Tenant, user: string, text: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
  return (r.body.memories[0] as { id: string }).id;
}

describe("hub search over a Vectorize index", () => {
  it("indexes a listing when approved, ranks it by the index, and removes its vector on unpublish", async () => {
    const fake = new FakeVectorize(getEmbedder(env).dimensions);
    const base = depsFromEnv(env);
    const index = new VectorizeVectorIndex(fake);
    const asked: VectorQuery[] = [];
    const counted: VectorIndex = { upsert: (i) => index.upsert(i), deleteByIds: (ids) => index.deleteByIds(ids), query: (v, o) => {
        asked.push(o);
        return index.query(v, o);
      },
    };
    const deps: HubDeps = { ...base, vectorIndex: counted, hub: hubStore(env.DB) };
    const t = await newTenant(["admin"]);
    const other = await newTenant(["admin"]);
    const user = uniq("alice");
    const admin: HubCaller = { tenant_id: t.id, key_id: "key_admin", limits: null, scopes: ["admin"] };
    const reader: HubCaller = { tenant_id: t.id, key_id: "key_reader", limits: { user_ids: [uniq("bob")] }, scopes: ["memories:read"] };
    const stranger: HubCaller = { tenant_id: other.id, key_id: "key_other", limits: null, scopes: ["admin"] };
    const id = await remember(t, user, "Invoices are approved by the finance lead before payment.");
    const { listing } = await publish(deps, cubeSkills(deps), admin, { kind: "memory", cube_id: `user:${user}`, id, visibility: { tenant: true } });
    // Pending: nothing in the index yet.
    expect(fake.store.has(listing.id)).toBe(false);
    await decideListing(deps, admin, listing.id, "approved", null);
    fake.settle();
    const stored = fake.store.get(listing.id);
    expect(stored?.namespace).toBe(t.id);
    expect(stored?.metadata.cube_id).toBe(HUB_VECTOR_CUBE);
    // The vector route asks the tenant's index (in the tenant's namespace, the hub's cube id), not the vectors in D1.
    const found = await searchHub(deps, reader, { query: "who signs off invoice approvals for payment", top_k: 5 });
    expect(found.map((r) => r.listing.id)).toEqual([listing.id]);
    expect(asked).toEqual([{ topK: 100, filter: { tenant_id: t.id, cube_id: HUB_VECTOR_CUBE } }]);
    expect(await searchHub(deps, stranger, { query: "invoices approved by the finance lead", top_k: 5 })).toEqual([]);
    await unpublish(deps, admin, listing.id);
    // Gone from search at once, while the index still answers the vector (its delete is not visible yet).
    expect(fake.store.has(listing.id)).toBe(true);
    expect(await searchHub(deps, reader, { query: "who signs off invoice approvals for payment", top_k: 5 })).toEqual([]);
    fake.settle();
    expect(fake.store.has(listing.id)).toBe(false);

    // A listing removed with its source memory (in the cube's D1 sink) leaves a vector, which the next search that meets it deletes.
    const id2 = await remember(t, user, "Invoices over ten thousand need a second approver.");
    const second = (await publish(deps, cubeSkills(deps), admin, { kind: "memory", cube_id: `user:${user}`, id: id2, visibility: { tenant: true } })).listing;
    await decideListing(deps, admin, second.id, "approved", null);
    fake.settle();
    expect((await api(t, "DELETE", `/v1/memories/${id2}`)).status).toBe(200);
    // The cube's alarm drains the delete to D1 (a drain already under way is waited for).
    for (let i = 0; i < 50 && (await env.DB.prepare("SELECT 1 FROM hub_listings WHERE tenant_id = ? AND id = ?").bind(t.id, second.id).first()); i++) {
      await runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`)));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fake.store.has(second.id)).toBe(true);
    expect(await searchHub(deps, reader, { query: "invoices need a second approver", top_k: 5 })).toEqual([]);
    fake.settle();
    expect(fake.store.has(second.id)).toBe(false);
  });
});
