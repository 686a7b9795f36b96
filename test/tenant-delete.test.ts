// Deleting a tenant (DELETE /v1/admin/tenants/{id}): its keys stop at once, it goes a part per call, nothing of it is left, and its neighbour is untouched.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { ADMIN, api, newTenant, uniq, type Tenant } from "./helpers";
import { FakeVectorize } from "./fakes/vectorize";
import { VectorizeVectorIndex } from "../src/providers/vectorize-index";
import { depsFromEnv } from "../src/services/deps";
import { getEmbedder } from "../src/services/providers";
import { deleteTenant, type TenantDeletion } from "../src/services/tenant-delete";

type Err = { error: { code: string; message: string } };
const SCOPES = ["memories:read", "memories:write", "admin"];
// A loopback port nothing listens on: webhook deliveries go nowhere.
const HOOK_URL = "http://127.0.0.1:9/hook";

const deleteCall = (id: string, query = "") => api<TenantDeletion & Err>(null, "DELETE", `/v1/admin/tenants/${id}${query}`, undefined, { authorization: ADMIN });

async function remember(t: Tenant, user: string, text: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}

/** Drives the cube's alarm until its memories reach the D1 catalog. */
async function drained(t: Tenant, user: string): Promise<void> {
  const stub = env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`));
  for (let i = 0; i < 50; i++) {
    if (await env.DB.prepare("SELECT 1 FROM memories WHERE tenant_id = ? AND cube_id = ?").bind(t.id, `user:${user}`).first()) return;
    await runDurableObjectAlarm(stub);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cube user:${user} never drained`);
}

/** Every D1 table with a tenant column, from the migrated database itself (not the code's list). */
async function tenantTables(): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string; sql: string }>();
  return rows.results.filter((r) => /[`"\s(]tenant_id[`"\s]/.test(r.sql)).map((r) => r.name);
}

/** Rows of the tenant in each table that has some: tenant-column tables, its idempotency keys and its tenant row. */
async function rowsOf(tenant: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const count = async (name: string, sql: string) => {
    const n = (await env.DB.prepare(sql).bind(tenant).first<{ n: number }>())?.n ?? 0;
    if (n > 0) out[name] = n;
  };
  for (const table of await tenantTables()) await count(table, `SELECT COUNT(*) AS n FROM "${table}" WHERE tenant_id = ?`);
  await count("idempotency_keys", "SELECT COUNT(*) AS n FROM idempotency_keys WHERE scope = ?");
  await count("tenants", "SELECT COUNT(*) AS n FROM tenants WHERE id = ?");
  return out;
}

/** A tenant with memories in three cubes, a drained catalog, an approved hub listing, a grant, a group, a webhook, a data key and a D1 idempotency key. */
async function fullTenant(): Promise<{ t: Tenant; users: string[] }> {
  const t = await newTenant(SCOPES);
  const users = [uniq("ann"), uniq("bob"), uniq("cid")];
  const ids: string[] = [];
  for (const [i, user] of users.entries()) ids.push(await remember(t, user, `Tenant A fact ${i}: the vault code is kept in the blue binder`));
  for (const user of users) await drained(t, user);
  const listing = await api<{ id: string }>(t, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${users[0]}`, id: ids[0], visibility: { tenant: true } });
  expect(listing.status, JSON.stringify(listing.body)).toBe(201);
  expect((await api(t, "POST", `/v1/hub/listings/${listing.body.id}/approve`, {})).status).toBe(200);
  expect((await api(t, "POST", `/v1/cubes/user:${users[1]}/grants`, { grantee: { kind: "user", id: "zed" }, permission: "read" })).status).toBe(201);
  expect((await api(t, "POST", "/v1/groups", { name: uniq("team") })).status).toBe(201);
  expect((await api(t, "POST", "/v1/webhooks", { url: HOOK_URL })).status).toBe(201);
  expect((await api(null, "POST", `/v1/admin/tenants/${t.id}/data-keys/rotate`, undefined, { authorization: ADMIN })).status).toBe(200);
  expect((await api(t, "POST", "/v1/keys", { name: "reader", scopes: ["memories:read"] }, { "idempotency-key": uniq("idem") })).status).toBe(201);
  return { t, users };
}

describe("DELETE /v1/admin/tenants/{id}", () => {
  it("deletes a tenant a few cubes per call until nothing of it is left, and leaves another tenant as it was", async () => {
    const { t: a } = await fullTenant();
    const b = await newTenant(SCOPES);
    const bUser = uniq("bea");
    await remember(b, bUser, "Bea keeps bees behind the orchard");
    await drained(b, bUser);
    const bRows = await rowsOf(b.id);

    const before = await rowsOf(a.id);
    for (const table of ["api_keys", "cubes", "memories", "grants", "hub_listings", "hub_groups", "webhook_subscriptions", "data_keys", "audit_entries", "idempotency_keys", "tenants"]) {
      expect(before[table], `${table} holds rows of A before`).toBeGreaterThan(0);
    }

    const first = await deleteCall(a.id, "?limit=1");
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ id: a.id, deleted: false, cubes_deleted: 1, cubes_left: 2 });
    expect(first.body.rows_deleted).toBeGreaterThan(0);

    // From the first call on, A's key is refused like an unknown key, and admin writes for A are 409.
    const refused = await api<Err>(a, "GET", "/v1/cubes");
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthorized");
    const key = await api<Err>(null, "POST", `/v1/admin/tenants/${a.id}/keys`, { name: "late", scopes: ["memories:read"] }, { authorization: ADMIN });
    expect(key.status).toBe(409);
    expect(key.body.error.code).toBe("conflict");
    expect(key.body.error.message).toContain("being deleted");
    for (const op of ["rotate", "rewrap"]) {
      const r = await api<Err>(null, "POST", `/v1/admin/tenants/${a.id}/data-keys/${op}`, undefined, { authorization: ADMIN });
      expect(r.status, op).toBe(409);
      expect(r.body.error.code).toBe("conflict");
    }

    let left = first.body.cubes_left;
    let last = first.body;
    let calls = 1;
    while (!last.deleted) {
      const next = await deleteCall(a.id, "?limit=1");
      expect(next.status, JSON.stringify(next.body)).toBe(200);
      calls++;
      expect(calls).toBeLessThan(10);
      if (!next.body.deleted) {
        expect(next.body.cubes_left).toBeLessThan(left);
        left = next.body.cubes_left;
      }
      last = next.body;
    }
    expect(calls).toBe(3);
    expect(last).toMatchObject({ id: a.id, deleted: true, cubes_deleted: 1, cubes_left: 0 });

    expect(await tenantTables()).toEqual(expect.arrayContaining(["api_keys", "cubes", "memories", "jobs", "grants", "audit_entries", "data_keys", "hub_listings"]));
    expect(await rowsOf(a.id)).toEqual({});

    const again = await deleteCall(a.id);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("not_found");

    // B: its rows (its cube may still drain audit entries), key and search as before.
    const bAfter = await rowsOf(b.id);
    for (const [table, n] of Object.entries(bRows)) expect(bAfter[table], table).toBeGreaterThanOrEqual(n);
    expect((await api(b, "GET", "/v1/cubes")).status).toBe(200);
    const found = await api<{ results: Array<{ memory: { text: string } }> }>(b, "POST", "/v1/search", { query: "who keeps bees", user_id: bUser });
    expect(found.status).toBe(200);
    expect(found.body.results.map((r) => r.memory.text)).toContain("Bea keeps bees behind the orchard");
  });

  it("answers a tenant with nothing in one call, and refuses bad input, unknown tenants and callers without the admin token", async () => {
    const t = await newTenant(SCOPES);
    for (const query of ["?limit=0", "?limit=101", "?limit=x", "?limit=1.5"]) {
      const r = await deleteCall(t.id, query);
      expect(r.status, query).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    for (const id of ["nope", "tnt_bad-id", `tnt_${"x".repeat(65)}`]) {
      const r = await deleteCall(id);
      expect(r.status, id).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const unknown = await deleteCall("tnt_nosuchtenant");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    for (const authorization of ["Bearer wrong-token", `Bearer ${t.key}`]) {
      const r = await api<Err>(null, "DELETE", `/v1/admin/tenants/${t.id}`, undefined, { authorization });
      expect(r.status).toBe(401);
    }
    expect((await api(null, "DELETE", `/v1/admin/tenants/${t.id}`)).status).toBe(401);
    // Nothing above touched it.
    expect((await api(t, "GET", "/v1/cubes")).status).toBe(200);

    const done = await deleteCall(t.id);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: t.id, deleted: true, cubes_deleted: 0, cubes_left: 0, vectors_deleted: 0 });
    expect(await rowsOf(t.id)).toEqual({});
  });

  it("takes the tenant's vectors out of a Vectorize index (cubes, listings and strays past a full sweep page), never another tenant's", async () => {
    const embedder = getEmbedder(env);
    const fake = new FakeVectorize(embedder.dimensions);
    const deps = { ...depsFromEnv(env), vectorIndex: new VectorizeVectorIndex(fake) };
    const a = await newTenant(SCOPES);
    const b = await newTenant(SCOPES);
    const users = [uniq("ann"), uniq("bob")];
    const aIds = [await remember(a, users[0] as string, "Ann waters the ferns on Mondays"), await remember(a, users[1] as string, "Bob repairs bicycles")];
    const bUser = uniq("bea");
    const bId = await remember(b, bUser, "Bea keeps bees");
    // The local stack mirrors nothing into Vectorize: the vectors are written here as the outbox would.
    const vec = (await embedder.embed(["a vector"]))[0] as Float32Array;
    const item = (id: string, tenant: string, cube: string) => ({ id, values: vec, metadata: { tenant_id: tenant, cube_id: cube, state: "active", created_at: Date.now() } });
    const strays = Array.from({ length: 150 }, (_, i) => item(`stray_${a.id}_${i}`, a.id, "cube-never-registered"));
    await deps.vectorIndex.upsert([...aIds.map((id, i) => item(id, a.id, `user:${users[i]}`)), ...strays, item(bId, b.id, `user:${bUser}`)]);
    fake.settle();
    const aVectors = () => [...fake.store.values()].filter((s) => s.metadata.tenant_id === a.id).length;
    expect(aVectors()).toBe(152);

    const answers: TenantDeletion[] = [];
    for (let i = 0; i < 8 && !answers.at(-1)?.deleted; i++) {
      answers.push(await deleteTenant(deps, env.DB, a.id, 1));
      // The index applies deletes later; the next call sees them applied.
      fake.settle();
    }
    expect(answers.at(-1)?.deleted).toBe(true);
    expect(answers.map((r) => r.cubes_left)).toEqual([1, 0, 0]);
    // The call that deletes the last cube sweeps a full page of strays: not done yet; the next sweeps the rest.
    expect(answers.map((r) => r.deleted)).toEqual([false, false, true]);
    expect(answers.reduce((n, r) => n + r.vectors_deleted, 0)).toBeGreaterThanOrEqual(152);
    expect(aVectors()).toBe(0);
    expect(fake.store.has(bId)).toBe(true);
    expect(await rowsOf(a.id)).toEqual({});
    await expect(deleteTenant(deps, env.DB, a.id, 1)).rejects.toMatchObject({ code: "not_found" });
  });
});
