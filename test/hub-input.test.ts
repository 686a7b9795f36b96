// Bad input at every hub and group route: a clear 4xx with a stable code, and nothing changed.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";

type Err = { error: { code: string; message: string } };

async function keyOf(admin: Tenant, scopes: string[], limits?: Record<string, string[]>): Promise<Tenant> {
  const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: uniq("k"), scopes, ...(limits ? { limits } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
}

/** Every hub row of a tenant, as one comparable snapshot. */
async function hubRows(tenant: string): Promise<string> {
  const out: unknown[] = [];
  for (const table of ["hub_groups", "hub_group_members", "hub_listings", "hub_installs"]) {
    out.push((await env.DB.prepare(`SELECT * FROM ${table} WHERE tenant_id = ? ORDER BY 1, 2, 3`).bind(tenant).all()).results);
  }
  return JSON.stringify(out);
}

describe("hub bad input", () => {
  it("refuses bad requests at each route with a stable code and changes nothing", async () => {
    const admin = await newTenant(["admin"]);
    const user = uniq("alice");
    const bob = uniq("bob");
    const carol = uniq("carol");
    const bobKey = await keyOf(admin, ["memories:read", "memories:write"], { user_ids: [bob] });
    const id = (await api<{ memories: Array<{ id: string }> }>(admin, "POST", "/v1/memories", { user_id: user, text: "Lunch is at noon on Fridays.", infer: false })).body.memories[0]?.id as string;
    const archived = (await api<{ memories: Array<{ id: string }> }>(admin, "POST", "/v1/memories", { user_id: user, text: "An old fact.", infer: false })).body.memories[0]?.id as string;
    await api(admin, "POST", `/v1/memories/${archived}/archive`, {});
    await api(admin, "POST", "/v1/memories", { user_id: carol, text: "Carol's cube exists.", infer: false });
    const g = (await api<{ id: string }>(admin, "POST", "/v1/groups", { name: uniq("team") })).body.id;
    const pending = (await api<{ id: string }>(admin, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${user}`, id, visibility: { tenant: true } })).body.id;
    const before = await hubRows(admin.id);
    const cube = `user:${user}`;
    const cases: Array<[string, string, string, unknown, number, string]> = [
      ["publish: unknown kind", "POST", "/v1/hub/listings", { kind: "prompt", cube_id: cube, id, visibility: { tenant: true } }, 400, "invalid_request"],
      ["publish: visibility tenant false", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id, visibility: { tenant: false } }, 400, "invalid_request"],
      ["publish: visibility with both", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id, visibility: { tenant: true, group_id: g } }, 400, "invalid_request"],
      ["publish: visibility missing", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id }, 400, "invalid_request"],
      ["publish: unknown group", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id, visibility: { group_id: "grp_nope" } }, 404, "not_found"],
      ["publish: oversized note", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id, visibility: { tenant: true }, note: "x".repeat(1001) }, 400, "invalid_request"],
      ["publish: unknown memory", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id: "mem_nope", visibility: { tenant: true } }, 404, "not_found"],
      ["publish: unknown cube", "POST", "/v1/hub/listings", { kind: "memory", cube_id: "user:nobody-here", id, visibility: { tenant: true } }, 404, "not_found"],
      ["publish: archived memory", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id: archived, visibility: { tenant: true } }, 400, "invalid_request"],
      ["publish: extra field", "POST", "/v1/hub/listings", { kind: "memory", cube_id: cube, id, visibility: { tenant: true }, status: "approved" }, 400, "invalid_request"],
      ["get: unknown listing", "GET", "/v1/hub/listings/lst_nope", undefined, 404, "not_found"],
      ["list: bad status", "GET", "/v1/hub/listings?status=live", undefined, 400, "invalid_request"],
      ["list: bad cursor", "GET", "/v1/hub/listings?cursor=garbage", undefined, 400, "invalid_request"],
      ["list: limit too large", "GET", "/v1/hub/listings?limit=1000", undefined, 400, "invalid_request"],
      ["approve: unknown listing", "POST", "/v1/hub/listings/lst_nope/approve", {}, 404, "not_found"],
      ["reject: no reason", "POST", `/v1/hub/listings/${pending}/reject`, {}, 400, "invalid_request"],
      ["reject: blank reason", "POST", `/v1/hub/listings/${pending}/reject`, { reason: "   " }, 400, "invalid_request"],
      ["reject: oversized reason", "POST", `/v1/hub/listings/${pending}/reject`, { reason: "x".repeat(1001) }, 400, "invalid_request"],
      ["install: pending listing", "POST", `/v1/hub/listings/${pending}/install`, { user_id: bob }, 409, "conflict"],
      ["install: both targets", "POST", `/v1/hub/listings/${pending}/install`, { user_id: bob, cube_id: `user:${bob}` }, 400, "invalid_request"],
      ["install: no target", "POST", `/v1/hub/listings/${pending}/install`, {}, 400, "invalid_request"],
      ["install: unknown listing", "POST", "/v1/hub/listings/lst_nope/install", { user_id: bob }, 404, "not_found"],
      ["unpublish: unknown listing", "DELETE", "/v1/hub/listings/lst_nope", undefined, 404, "not_found"],
      ["search: blank query", "POST", "/v1/hub/search", { query: "  " }, 400, "invalid_request"],
      ["search: top_k 0", "POST", "/v1/hub/search", { query: "lunch", top_k: 0 }, 400, "invalid_request"],
      ["search: oversized query", "POST", "/v1/hub/search", { query: "x".repeat(2001) }, 400, "invalid_request"],
      ["installs: no target", "GET", "/v1/hub/installs", undefined, 400, "invalid_request"],
      ["installs: unknown cube", "GET", "/v1/hub/installs?cube_id=nope", undefined, 404, "not_found"],
      ["group: blank name", "POST", "/v1/groups", { name: "  " }, 400, "invalid_request"],
      ["group: oversized name", "POST", "/v1/groups", { name: "x".repeat(101) }, 400, "invalid_request"],
      ["group: unknown", "GET", "/v1/groups/grp_nope", undefined, 404, "not_found"],
      ["group delete: unknown", "DELETE", "/v1/groups/grp_nope", undefined, 404, "not_found"],
      ["members: bad kind", "POST", `/v1/groups/${g}/members`, { members: [{ kind: "cube", id: "x" }] }, 400, "invalid_request"],
      ["members: bad id", "POST", `/v1/groups/${g}/members`, { members: [{ kind: "user", id: "no spaces" }] }, 400, "invalid_request"],
      ["members: empty", "POST", `/v1/groups/${g}/members`, { members: [] }, 400, "invalid_request"],
      ["members: too many", "POST", `/v1/groups/${g}/members`, { members: Array.from({ length: 101 }, (_, i) => ({ kind: "user", id: `u${i}` })) }, 400, "invalid_request"],
      ["members: unknown group", "POST", "/v1/groups/grp_nope/members", { members: [{ kind: "user", id: "u" }] }, 404, "not_found"],
      ["members remove: unknown group", "DELETE", "/v1/groups/grp_nope/members", { members: [{ kind: "user", id: "u" }] }, 404, "not_found"],
    ];
    const failures: string[] = [];
    for (const [what, method, path, body, status, code] of cases) {
      const r = await api<Err>(admin, method, path, body);
      if (r.status !== status || r.body.error?.code !== code) failures.push(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await hubRows(admin.id)).toBe(before);

    // Approve once, then every second decision is a conflict.
    expect((await api(admin, "POST", `/v1/hub/listings/${pending}/approve`, {})).status).toBe(200);
    const twice = await api<Err>(admin, "POST", `/v1/hub/listings/${pending}/approve`, {});
    expect([twice.status, twice.body.error.code]).toEqual([409, "conflict"]);
    const late = await api<Err>(admin, "POST", `/v1/hub/listings/${pending}/reject`, { reason: "too late" });
    expect([late.status, late.body.error.code]).toEqual([409, "conflict"]);
    expect((await api<{ status: string }>(admin, "GET", `/v1/hub/listings/${pending}`)).body.status).toBe("approved");
    // Installing into the source cube, or a cube the caller cannot write, changes nothing.
    const approved = await hubRows(admin.id);
    const intoSource = await api<Err>(admin, "POST", `/v1/hub/listings/${pending}/install`, { cube_id: cube });
    expect([intoSource.status, intoSource.body.error.code]).toEqual([400, "invalid_request"]);
    const notMine = await api<Err>(bobKey, "POST", `/v1/hub/listings/${pending}/install`, { user_id: carol });
    expect([notMine.status, notMine.body.error.code]).toEqual([404, "not_found"]);
    const namedAbsent = await api<Err>(bobKey, "POST", `/v1/hub/listings/${pending}/install`, { cube_id: "team-cube" });
    expect(namedAbsent.status).toBe(404);
    expect(await hubRows(admin.id)).toBe(approved);
    expect((await api<{ memories: unknown[] }>(admin, "GET", `/v1/memories?user_id=${user}`)).body.memories).toHaveLength(1);
    expect((await api<{ memories: unknown[] }>(admin, "GET", `/v1/memories?user_id=${carol}`)).body.memories).toHaveLength(1);
  });

  it("keeps a group name once and refuses publishing to a group of another tenant", async () => {
    const admin = await newTenant(["admin"]);
    const other = await newTenant(["admin"]);
    const name = uniq("team");
    const first = await api<{ id: string }>(admin, "POST", "/v1/groups", { name });
    const again = await api<{ id: string }>(admin, "POST", "/v1/groups", { name });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    const user = uniq("u");
    const id = (await api<{ memories: Array<{ id: string }> }>(other, "POST", "/v1/memories", { user_id: user, text: "Other tenant's fact.", infer: false })).body.memories[0]?.id as string;
    const r = await api<Err>(other, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${user}`, id, visibility: { group_id: first.body.id } });
    expect([r.status, r.body.error.code]).toEqual([404, "not_found"]);
    expect((await api<{ listings: unknown[] }>(other, "GET", "/v1/hub/listings")).body.listings).toEqual([]);
  });
});
