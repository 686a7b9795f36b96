// The hub's memory path through the API: publish (pending), review, search, install with provenance, newer versions, unpublish, groups, deletion, audit.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";

type Err = { error: { code: string } };
interface Listing {
  id: string;
  kind: string;
  status: string;
  source: { cube_id: string; id: string; version: number };
  content: { text?: string };
  visibility: Record<string, unknown>;
}
interface Install {
  installed_id: string;
  installed_version: number;
  upgraded: boolean;
  update_available: boolean;
  upgrade_ready: boolean;
  listing_status: string;
}

async function keyOf(admin: Tenant, scopes: string[], limits?: Record<string, string[]>): Promise<Tenant> {
  const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: uniq("k"), scopes, ...(limits ? { limits } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
}

async function remember(t: Tenant, user: string, text: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}

/** Runs the cube's alarm (its outbox drain to D1) until `done` holds; a drain already under way is waited for. */
async function drainUntil(tenant: string, cube: string, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${tenant}/${cube}`)));
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cube ${cube} never drained as expected`);
}
const catalogVersion = async (tenant: string, id: string) => (await env.DB.prepare("SELECT version FROM memories WHERE tenant_id = ? AND id = ?").bind(tenant, id).first<{ version: number }>())?.version ?? null;
const search = async (t: Tenant, query: string) => (await api<{ results: Array<{ listing: Listing }> }>(t, "POST", "/v1/hub/search", { query })).body.results?.map((r) => r.listing) ?? [];

async function people() {
  const admin = await newTenant(["admin"]);
  const [a, b, c] = [uniq("alice"), uniq("bob"), uniq("carol")];
  const rw = ["memories:read", "memories:write"];
  return {
    admin,
    users: { a, b, c },
    alice: await keyOf(admin, rw, { user_ids: [a] }),
    bob: await keyOf(admin, rw, { user_ids: [b] }),
    carol: await keyOf(admin, rw, { user_ids: [c] }),
    approver: await keyOf(admin, ["memories:read", "hub:admin"]),
  };
}

describe("hub: memories shared within a tenant", () => {
  it("publishes as pending, lets an approver approve once, and serves the approved listing to another user's search", async () => {
    const p = await people();
    const id = await remember(p.alice, p.users.a, "To reset the staging database run make db-reset then seed with fixtures.");
    const pub = await api<Listing>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${p.users.a}`, id, visibility: { tenant: true }, note: "handy" });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    expect(pub.body).toMatchObject({ kind: "memory", status: "pending", source: { cube_id: `user:${p.users.a}`, id, version: 1 }, content: { text: expect.stringContaining("make db-reset") } });
    // Pending: the publisher and approvers see it, nobody else does.
    expect((await api(p.bob, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(404);
    expect(await search(p.bob, "reset the staging database")).toEqual([]);
    expect((await api<{ listings: Listing[] }>(p.alice, "GET", "/v1/hub/listings?status=pending")).body.listings.map((l) => l.id)).toEqual([pub.body.id]);
    expect((await api<{ listings: Listing[] }>(p.approver, "GET", "/v1/hub/listings?status=pending")).body.listings.map((l) => l.id)).toEqual([pub.body.id]);
    // Only an approver decides.
    const byAlice = await api<Err>(p.alice, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    expect(byAlice.status).toBe(403);
    const ok = await api<Listing>(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe("approved");
    const twice = await api<Err>(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("conflict");
    const found = await search(p.bob, "how do I reset the staging database");
    expect(found.map((l) => l.id)).toEqual([pub.body.id]);
    expect(found[0]?.content.text).toContain("make db-reset");
    expect((await api<Listing>(p.bob, "GET", `/v1/hub/listings/${pub.body.id}`)).body.status).toBe("approved");
    // An unrelated query finds nothing.
    expect(await search(p.bob, "banana bread recipe")).toEqual([]);
  });

  it("installs a copy with provenance once per version, reports a newer source, and upgrades the same copy on reinstall", async () => {
    const p = await people();
    const cubeA = `user:${p.users.a}`;
    const id = await remember(p.alice, p.users.a, "Deploys go out on Tuesdays after the standup.");
    const pub = await api<Listing>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true } });
    await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    const first = await api<Install>(p.bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.b });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await api<Install>(p.bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.b });
    expect(again.status).toBe(200);
    expect(again.body.installed_id).toBe(first.body.installed_id);
    const copies = await api<{ memories: Array<{ id: string; text: string; metadata: Record<string, unknown> }> }>(p.bob, "GET", `/v1/memories?user_id=${p.users.b}`);
    expect(copies.body.memories).toHaveLength(1);
    expect(copies.body.memories[0]).toMatchObject({ id: first.body.installed_id, text: "Deploys go out on Tuesdays after the standup.", metadata: { hub: { listing_id: pub.body.id, source_cube_id: cubeA, source_id: id, source_version: 1 } } });

    // The source moves on: the install says so, but reinstalling needs the newer version published and approved.
    expect((await api(p.alice, "PATCH", `/v1/memories/${id}`, { text: "Deploys go out on Wednesdays after the standup." })).status).toBe(200);
    await drainUntil(p.admin.id, cubeA, async () => (await catalogVersion(p.admin.id, id)) === 2);
    let installs = (await api<{ installs: Install[] }>(p.bob, "GET", `/v1/hub/installs?user_id=${p.users.b}`)).body.installs;
    expect(installs).toMatchObject([{ installed_version: 1, update_available: true, upgrade_ready: false, listing_status: "approved" }]);
    const re = await api<Listing & { revision: { status: string; source: { version: number }; content: { text?: string } } | null }>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true } });
    expect(re.status).toBe(200);
    // Version 2 waits for review beside the approved version 1, which keeps serving.
    expect(re.body).toMatchObject({ id: pub.body.id, status: "approved", source: { version: 1 }, revision: { status: "pending", source: { version: 2 }, content: { text: expect.stringContaining("Wednesdays") } } });
    const served = await search(p.bob, "when do deploys go out");
    expect(served.map((l) => [l.id, l.content.text])).toEqual([[pub.body.id, "Deploys go out on Tuesdays after the standup."]]);
    // Bob sees the served snapshot only, not the revision waiting for review.
    expect((await api<{ revision: unknown }>(p.bob, "GET", `/v1/hub/listings/${pub.body.id}`)).body.revision).toBeNull();
    expect((await api<{ listings: Listing[] }>(p.approver, "GET", "/v1/hub/listings?status=pending")).body.listings.map((l) => l.id)).toContain(pub.body.id);
    expect((await api<{ listings: Listing[] }>(p.alice, "GET", "/v1/hub/listings?status=pending")).body.listings.map((l) => l.id)).toContain(pub.body.id);
    expect((await api<{ listings: Listing[] }>(p.bob, "GET", "/v1/hub/listings?status=pending")).body.listings).toEqual([]);
    installs = (await api<{ installs: Install[] }>(p.bob, "GET", `/v1/hub/installs?user_id=${p.users.b}`)).body.installs;
    expect(installs).toMatchObject([{ installed_version: 1, update_available: true, upgrade_ready: false, listing_status: "approved" }]);
    const approved = await api<Listing & { revision: unknown }>(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    expect(approved.body).toMatchObject({ status: "approved", source: { version: 2 }, revision: null, content: { text: expect.stringContaining("Wednesdays") } });
    expect((await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {})).status).toBe(409);
    installs = (await api<{ installs: Install[] }>(p.bob, "GET", `/v1/hub/installs?user_id=${p.users.b}`)).body.installs;
    expect(installs).toMatchObject([{ update_available: true, upgrade_ready: true }]);
    const up = await api<Install>(p.bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.b });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ installed_id: first.body.installed_id, installed_version: 2, upgraded: true });
    const copy = await api<{ text: string; version: number; metadata: { hub: { source_version: number } } }>(p.bob, "GET", `/v1/memories/${first.body.installed_id}`);
    expect(copy.body).toMatchObject({ text: "Deploys go out on Wednesdays after the standup.", version: 2, metadata: { hub: { source_version: 2 } } });
    installs = (await api<{ installs: Install[] }>(p.bob, "GET", `/v1/hub/installs?user_id=${p.users.b}`)).body.installs;
    expect(installs).toMatchObject([{ installed_version: 2, update_available: false, upgrade_ready: false }]);
    // A copy the installer deleted is installed afresh.
    expect((await api(p.bob, "DELETE", `/v1/memories/${first.body.installed_id}`)).status).toBe(200);
    const fresh = await api<Install>(p.bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.b });
    expect(fresh.status).toBe(200);
    expect(fresh.body.installed_id).not.toBe(first.body.installed_id);
    expect((await api(p.bob, "GET", `/v1/memories/${fresh.body.installed_id}`)).status).toBe(200);
  });

  it("shows a group listing to its members only, and removes a deleted group's listings", async () => {
    const p = await people();
    const g = await api<{ id: string }>(p.admin, "POST", "/v1/groups", { name: uniq("ops") });
    expect(g.status).toBe(201);
    expect((await api(p.admin, "POST", `/v1/groups/${g.body.id}/members`, { members: [{ kind: "user", id: p.users.c }] })).status).toBe(200);
    const id = await remember(p.alice, p.users.a, "The pager rotation changes every Monday at nine.");
    const pub = await api<Listing>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${p.users.a}`, id, visibility: { group_id: g.body.id } });
    expect(pub.status).toBe(201);
    await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    expect((await search(p.carol, "pager rotation")).map((l) => l.id)).toEqual([pub.body.id]);
    expect(await search(p.bob, "pager rotation")).toEqual([]);
    expect((await api(p.bob, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(404);
    expect((await api(p.carol, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(200);
    // The tenant-wide key sees every approved listing.
    expect((await search(p.admin, "pager rotation")).map((l) => l.id)).toEqual([pub.body.id]);
    // Members see their group; others do not.
    expect((await api<{ groups: Array<{ id: string }> }>(p.carol, "GET", "/v1/groups")).body.groups.map((x) => x.id)).toEqual([g.body.id]);
    expect((await api<{ groups: unknown[] }>(p.bob, "GET", "/v1/groups")).body.groups).toEqual([]);
    expect((await api(p.bob, "GET", `/v1/groups/${g.body.id}`)).status).toBe(404);
    // A member removed no longer sees it.
    await api(p.admin, "DELETE", `/v1/groups/${g.body.id}/members`, { members: [{ kind: "user", id: p.users.c }] });
    expect(await search(p.carol, "pager rotation")).toEqual([]);
    const del = await api<{ listings_removed: number }>(p.admin, "DELETE", `/v1/groups/${g.body.id}`);
    expect(del.body.listings_removed).toBe(1);
    expect((await api(p.admin, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(404);
  });

  it("unpublishes at once, and a deleted source memory or cube takes its listing with it", async () => {
    const p = await people();
    const cubeA = `user:${p.users.a}`;
    const one = await remember(p.alice, p.users.a, "The VPN config lives in the infra wiki under networking.");
    const two = await remember(p.alice, p.users.a, "Expense reports are due on the fifth of each month.");
    const three = await remember(p.alice, p.users.a, "The office wifi password rotates every quarter.");
    const listings: string[] = [];
    for (const id of [one, two, three]) {
      const r = await api<Listing>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true } });
      await api(p.approver, "POST", `/v1/hub/listings/${r.body.id}/approve`, {});
      listings.push(r.body.id);
    }
    expect((await api<Err>(p.bob, "DELETE", `/v1/hub/listings/${listings[0]}`)).status).toBe(403);
    expect((await api(p.alice, "DELETE", `/v1/hub/listings/${listings[0]}`)).status).toBe(200);
    expect(await search(p.bob, "VPN config infra wiki")).toEqual([]);
    expect((await api(p.alice, "GET", `/v1/hub/listings/${listings[0]}`)).status).toBe(404);

    expect((await api(p.alice, "DELETE", `/v1/memories/${two}`)).status).toBe(200);
    await drainUntil(p.admin.id, cubeA, async () => (await catalogVersion(p.admin.id, two)) === null);
    expect((await api(p.bob, "GET", `/v1/hub/listings/${listings[1]}`)).status).toBe(404);
    expect(await search(p.bob, "expense reports due")).toEqual([]);
    const rows = await env.DB.prepare("SELECT content FROM hub_listings WHERE tenant_id = ? AND source_id = ?").bind(p.admin.id, two).all();
    expect(rows.results).toEqual([]);

    expect((await search(p.bob, "office wifi password")).map((l) => l.id)).toEqual([listings[2]]);
    expect((await api(p.admin, "DELETE", `/v1/cubes/${cubeA}`)).status).toBe(200);
    expect(await search(p.bob, "office wifi password")).toEqual([]);
    expect((await api(p.approver, "GET", `/v1/hub/listings/${listings[2]}`)).status).toBe(404);
    // Nothing of the deleted cube stays in the hub's rows.
    expect((await env.DB.prepare("SELECT id FROM hub_listings WHERE tenant_id = ? AND source_cube_id = ?").bind(p.admin.id, cubeA).all()).results).toEqual([]);
    // A new cube of the same id does not bring the deleted cube's listing back.
    await remember(p.alice, p.users.a, "A fresh start.");
    expect((await api(p.approver, "GET", `/v1/hub/listings/${listings[2]}`)).status).toBe(404);
    expect(await search(p.bob, "office wifi password")).toEqual([]);
  });

  it("records every hub write and content read in the tenant's audit chain", async () => {
    const p = await people();
    const id = await remember(p.alice, p.users.a, "Backups are verified every Sunday night.");
    const pub = await api<Listing>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${p.users.a}`, id, visibility: { tenant: true } });
    await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    await search(p.bob, "backups verified");
    await api(p.bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.b });
    await api(p.alice, "DELETE", `/v1/hub/listings/${pub.body.id}`);
    const entries = (await api<{ entries: Array<{ action: string; chain: string }> }>(p.admin, "GET", `/v1/audit?target_id=${pub.body.id}&limit=50`)).body.entries;
    expect(entries.filter((e) => e.chain === "tenant").map((e) => e.action).sort()).toEqual(["hub.approve", "hub.install", "hub.publish", "hub.search", "hub.unpublish"]);
    const verify = await api<{ ok: boolean }>(p.admin, "POST", "/v1/audit/verify", { chain: "tenant" });
    expect(verify.body.ok).toBe(true);
  });

  it("a listing of a memory that expires takes its expiry, and so does an installed copy; once it has passed, the listing is not read, searched or installed", async () => {
    const p = await people();
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const r = await api<{ memories: Array<{ id: string }> }>(p.alice, "POST", "/v1/memories", { user_id: p.users.a, text: "The quokka parking pass code for level two rotates every Monday.", infer: false, expires_at: expires });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = (r.body.memories[0] as { id: string }).id;
    const pub = await api<Listing & { expires_at: string | null }>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${p.users.a}`, id, visibility: { tenant: true } });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    expect(pub.body.expires_at).toBe(expires);
    expect((await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {})).status).toBe(200);
    const installed = await api<Install>(p.bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.b });
    expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    const copy = await api<{ expires_at: string | null }>(p.bob, "GET", `/v1/memories/${installed.body.installed_id}?user_id=${p.users.b}`);
    expect(copy.body.expires_at).toBe(expires);
    expect((await search(p.bob, "quokka parking pass")).map((l) => l.id)).toEqual([pub.body.id]);
    // The hour passes (the row is moved, not the clock): no task has run, and the listing is already gone.
    await env.DB.prepare("UPDATE hub_listings SET expires_at = ? WHERE tenant_id = ? AND id = ?").bind(Date.now() - 1, p.admin.id, pub.body.id).run();
    expect((await api(p.bob, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(404);
    expect((await api(p.approver, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(404);
    expect(await search(p.bob, "quokka parking pass")).toEqual([]);
    expect((await api<{ listings: Listing[] }>(p.approver, "GET", "/v1/hub/listings")).body.listings.map((l) => l.id)).not.toContain(pub.body.id);
    expect((await api(p.carol, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: p.users.c })).status).toBe(404);
    // Published again (the memory itself has not expired): a fresh listing, pending, not a revision of the expired one.
    const again = await api<Listing & { revision: unknown }>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${p.users.a}`, id, visibility: { tenant: true } });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ status: "pending", revision: null });
    expect(again.body.id).not.toBe(pub.body.id);
  });

  it("a rejected revision of an approved listing leaves the approved snapshot serving, and asking for the served one again withdraws a waiting revision", async () => {
    const p = await people();
    const cubeA = `user:${p.users.a}`;
    const id = await remember(p.alice, p.users.a, "The wombat printer on floor three needs the blue toner.");
    const pub = await api<Listing>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true } });
    expect((await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {})).status).toBe(200);
    type WithRevision = Listing & { revision: { status: string; reason: string | null; note: string | null } | null };
    const noted = await api<WithRevision>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true }, note: "buy in bulk" });
    expect(noted.body).toMatchObject({ status: "approved", note: null, revision: { status: "pending", note: "buy in bulk" } });
    const rejected = await api<WithRevision>(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/reject`, { reason: "no shopping advice" });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ status: "approved", note: null, revision: { status: "rejected", reason: "no shopping advice" } });
    expect((await search(p.bob, "wombat printer toner")).map((l) => l.id)).toEqual([pub.body.id]);
    expect((await api(p.approver, "POST", `/v1/hub/listings/${pub.body.id}/reject`, { reason: "again" })).status).toBe(409);
    // The publisher sees the rejection; a new revision waits again, and publishing the served snapshot withdraws it.
    expect((await api<WithRevision>(p.alice, "GET", `/v1/hub/listings/${pub.body.id}`)).body.revision).toMatchObject({ status: "rejected" });
    const again = await api<WithRevision>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true }, note: "ask facilities" });
    expect(again.body.revision).toMatchObject({ status: "pending", note: "ask facilities" });
    const withdrawn = await api<WithRevision>(p.alice, "POST", "/v1/hub/listings", { kind: "memory", cube_id: cubeA, id, visibility: { tenant: true } });
    expect(withdrawn.body).toMatchObject({ status: "approved", revision: null });
    expect((await api<{ listings: Listing[] }>(p.approver, "GET", "/v1/hub/listings?status=pending")).body.listings.map((l) => l.id)).not.toContain(pub.body.id);
  });
});
