// Tenants and keys: admin token (fail closed), keys hashed at rest, scopes, revocation.
import { describe, expect, it } from "vitest";
import { env, SELF } from "cloudflare:test";
import { ADMIN, api, BASE, newTenant } from "./helpers";
import { app } from "../src/app";

type Err = { error: { code: string } };

describe("admin and keys", () => {
  it("refuses every admin route when ADMIN_TOKEN is not configured (fail closed)", async () => {
    const res = await app.request(
      `${BASE}/v1/admin/tenants`,
      { method: "POST", headers: { authorization: "Bearer anything", "content-type": "application/json" }, body: JSON.stringify({ name: "x" }) },
      { ...env, ADMIN_TOKEN: undefined },
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as Err).error.code).toBe("forbidden");
    const empty = await app.request(`${BASE}/v1/admin/tenants`, { method: "POST", headers: { authorization: "Bearer " } }, { ...env, ADMIN_TOKEN: "" });
    expect(empty.status).toBe(403);
  });

  it("refuses a wrong admin token, and an API key in its place", async () => {
    const t = await newTenant(["admin"]);
    for (const auth of ["Bearer wrong-token", `Bearer ${t.key}`, ""]) {
      const r = await SELF.fetch(`${BASE}/v1/admin/tenants`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify({ name: "x" }) });
      expect(r.status).toBe(401);
    }
  });

  it("stores keys as SHA-256 hashes only and never shows them again", async () => {
    const t = await newTenant(["admin"]);
    const rows = await env.DB.prepare("SELECT hash, prefix FROM api_keys WHERE tenant_id = ?").bind(t.id).all<{ hash: string; prefix: string }>();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0] as { hash: string; prefix: string };
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.hash).not.toContain(t.key);
    expect(t.key.startsWith(row.prefix)).toBe(true);
    const listed = await api<{ keys: Array<Record<string, unknown>> }>(t, "GET", "/v1/keys");
    expect(JSON.stringify(listed.body)).not.toContain(t.key);
    expect(JSON.stringify(listed.body)).not.toContain(row.hash);
  });

  it("creates a narrower key with an admin key, and a revoked key stops working at once", async () => {
    const owner = await newTenant(["admin"]);
    const made = await api<{ id: string; key: string; scopes: string[] }>(owner, "POST", "/v1/keys", { name: "reader", scopes: ["memories:read"] });
    expect(made.status).toBe(201);
    expect(made.body.scopes).toEqual(["memories:read"]);
    const reader = { id: owner.id, key: made.body.key, auth: { authorization: `Bearer ${made.body.key}` } };
    expect((await api(reader, "GET", "/v1/cubes")).status).toBe(200);
    expect((await api<Err>(reader, "POST", "/v1/cubes", {})).status).toBe(403);

    const revoked = await api<{ revoked_at: string | null }>(owner, "DELETE", `/v1/keys/${made.body.id}`);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await api<Err>(reader, "GET", "/v1/cubes");
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
  });

  it("GET /v1/keys/self describes the calling key to any valid key, whatever its scopes, and 401 without one", async () => {
    const owner = await newTenant(["admin"]);
    const made = await api<{ id: string; key: string }>(owner, "POST", "/v1/keys", { name: "auditor", scopes: ["audit:read"], limits: { user_ids: ["ann"] } });
    expect(made.status).toBe(201);
    const auditor = { id: owner.id, key: made.body.key, auth: { authorization: `Bearer ${made.body.key}` } };
    const self = await api<{ tenant_id: string; key: { id: string; name: string; scopes: string[]; limits: unknown; prefix: string } & Record<string, unknown> }>(auditor, "GET", "/v1/keys/self");
    expect(self.status).toBe(200);
    expect(self.body.tenant_id).toBe(owner.id);
    expect(self.body.key).toMatchObject({ id: made.body.id, name: "auditor", scopes: ["audit:read"], limits: { user_ids: ["ann"] } });
    expect(JSON.stringify(self.body)).not.toContain(made.body.key);
    expect(made.body.key.startsWith(self.body.key.prefix)).toBe(true);
    // Another tenant's key sees itself, not this one.
    const other = await newTenant(["memories:read"]);
    const theirs = await api<{ tenant_id: string; key: { id: string } }>(other, "GET", "/v1/keys/self");
    expect(theirs.body.tenant_id).toBe(other.id);
    expect(theirs.body.key.id).not.toBe(made.body.id);
    expect((await SELF.fetch(`${BASE}/v1/keys/self`)).status).toBe(401);
    // A revoked key is refused like any other route.
    expect((await api(owner, "DELETE", `/v1/keys/${made.body.id}`)).status).toBe(200);
    expect((await api(auditor, "GET", "/v1/keys/self")).status).toBe(401);
  });

  it("does not let one tenant's admin revoke another tenant's key", async () => {
    const a = await newTenant(["admin"]);
    const b = await newTenant(["admin"]);
    const bKeys = await api<{ keys: Array<{ id: string }> }>(b, "GET", "/v1/keys");
    const bKeyId = (bKeys.body.keys[0] as { id: string }).id;
    expect((await api<Err>(a, "DELETE", `/v1/keys/${bKeyId}`)).status).toBe(404);
    expect((await api(b, "GET", "/v1/keys")).status).toBe(200);
  });

  it("rejects bad admin input: unknown scope, duplicate tenant, unknown tenant", async () => {
    const h = { authorization: ADMIN, "content-type": "application/json" };
    const bad = await SELF.fetch(`${BASE}/v1/admin/tenants`, { method: "POST", headers: h, body: JSON.stringify({ name: "" }) });
    expect(bad.status).toBe(400);
    const dup1 = await SELF.fetch(`${BASE}/v1/admin/tenants`, { method: "POST", headers: h, body: JSON.stringify({ name: "d", id: "tnt_dup" }) });
    expect(dup1.status).toBe(201);
    const dup2 = await SELF.fetch(`${BASE}/v1/admin/tenants`, { method: "POST", headers: h, body: JSON.stringify({ name: "d", id: "tnt_dup" }) });
    expect(dup2.status).toBe(409);
    const scope = await SELF.fetch(`${BASE}/v1/admin/tenants/tnt_dup/keys`, { method: "POST", headers: h, body: JSON.stringify({ name: "k", scopes: ["root"] }) });
    expect(scope.status).toBe(400);
    const none = await SELF.fetch(`${BASE}/v1/admin/tenants/tnt_missing/keys`, { method: "POST", headers: h, body: JSON.stringify({ name: "k", scopes: ["admin"] }) });
    expect(none.status).toBe(404);
  });
});

describe("cubes", () => {
  it("creates a cube explicitly, lists it, and refuses writes to an unknown explicit cube", async () => {
    const t = await newTenant();
    const made = await api<{ id: string; name: string }>(t, "POST", "/v1/cubes", { id: "team-alpha", name: "Team alpha" });
    expect(made.status).toBe(201);
    expect((await api(t, "POST", "/v1/cubes", { id: "team-alpha", name: "Team alpha" })).status).toBe(200);
    const add = await api<{ memories: Array<{ cube_id: string }> }>(t, "POST", "/v1/memories", { cube_id: "team-alpha", text: "standup at nine", infer: false });
    expect(add.body.memories[0]?.cube_id).toBe("team-alpha");
    const missing = await api<Err>(t, "POST", "/v1/memories", { cube_id: "no-such-cube", text: "x", infer: false });
    expect(missing.status).toBe(404);
    expect((await api<Err>(t, "POST", "/v1/cubes", { id: "user:sneaky" })).status).toBe(400);
    const list = await api<{ cubes: Array<{ id: string }> }>(t, "GET", "/v1/cubes");
    expect(list.body.cubes.map((c) => c.id)).toEqual(["team-alpha"]);
  });
});

describe("openapi", () => {
  it("serves an OpenAPI 3.1 document describing every v1 route, and a docs page", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const [path, method] of [["/v1/memories", "post"], ["/v1/memories", "get"], ["/v1/memories/{id}", "patch"], ["/v1/memories/{id}/history", "get"], ["/v1/search", "post"], ["/v1/jobs/{id}", "get"], ["/v1/admin/tenants", "post"]] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(JSON.stringify(doc.paths["/v1/memories"]?.post?.requestBody)).toContain("infer");
    const page = await SELF.fetch(`${BASE}/docs`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("/v1/openapi.json");
  });
});
