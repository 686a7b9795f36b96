// Every hub and group route tried by seven callers (another tenant, a user outside the group, a group member, the publisher, an approver, a key limited to another user, a revoked key); leaks counted.
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, type Tenant } from "./helpers";

type Caller = "other-tenant" | "outsider" | "member" | "publisher" | "approver" | "other-user" | "revoked";
const CALLERS: Caller[] = ["other-tenant", "outsider", "member", "publisher", "approver", "other-user", "revoked"];

async function keyOf(admin: Tenant, scopes: string[], limits?: Record<string, string[]>): Promise<Tenant & { key_id: string }> {
  const r = await api<{ key: string; id: string }>(admin, "POST", "/v1/keys", { name: uniq("k"), scopes, ...(limits ? { limits } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: admin.id, key: r.body.key, key_id: r.body.id, auth: { authorization: `Bearer ${r.body.key}` } };
}

async function remember(t: Tenant, user: string, text: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}

interface Attempt {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  /** Callers for whom this succeeds (for a filtering read: who sees its content). */
  allowed: Caller[];
  /** A read that answers everyone with what they may see (possibly nothing): only its content can leak. */
  filtering?: boolean;
}

describe("hub isolation", () => {
  it("lets each caller reach exactly the listings, installs and groups its role allows, and leaks nothing otherwise", async () => {
    const admin = await newTenant(["admin"]);
    const stranger = await newTenant(["admin"]);
    const rw = ["memories:read", "memories:write"];
    const [alice, bob, carol, dave, victim] = ["alice", "bob", "carol", "dave", "victim"].map(uniq) as [string, string, string, string, string];
    const keys = {
      publisher: await keyOf(admin, rw, { user_ids: [alice] }),
      outsider: await keyOf(admin, rw, { user_ids: [bob] }),
      member: await keyOf(admin, rw, { user_ids: [carol] }),
      "other-user": await keyOf(admin, rw, { user_ids: [dave] }),
      approver: await keyOf(admin, ["memories:read", "memories:write", "hub:admin"]),
      revoked: await keyOf(admin, rw, { user_ids: [carol] }),
    };
    expect((await api(admin, "DELETE", `/v1/keys/${keys.revoked.key_id}`)).status).toBe(200);
    await remember(admin, victim, "the victim's cube exists");
    const callerKey = (c: Caller): Tenant => (c === "other-tenant" ? stranger : keys[c]);
    const ownUser: Record<Caller, string> = { "other-tenant": uniq("s"), outsider: bob, member: carol, publisher: alice, approver: uniq("appr"), "other-user": dave, revoked: carol };

    let leaks = 0;
    let refusedWrongly = 0;
    const failures: string[] = [];
    for (const caller of CALLERS) {
      const tag = uniq("t");
      const secrets = [`vault procedure group ${tag}`, `vault procedure pending ${tag}`, `vault procedure rejectable ${tag}`, `vault procedure unpublished ${tag}`];
      const g = await api<{ id: string }>(admin, "POST", "/v1/groups", { name: uniq("ops") });
      await api(admin, "POST", `/v1/groups/${g.body.id}/members`, { members: [{ kind: "user", id: carol }] });
      const mems: string[] = [];
      for (const s of secrets) mems.push(await remember(keys.publisher, alice, s));
      const publish = (id: string, visibility: unknown) => api<{ id: string }>(keys.publisher, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${alice}`, id, visibility });
      const l1 = (await publish(mems[0] as string, { group_id: g.body.id })).body.id;
      await api(admin, "POST", `/v1/hub/listings/${l1}/approve`, {});
      const l2 = (await publish(mems[1] as string, { tenant: true })).body.id;
      const l3 = (await publish(mems[2] as string, { tenant: true })).body.id;
      const ids = [l1, l2, l3, g.body.id, ...mems];
      const attempts: Attempt[] = [
        { what: "get group listing", method: "GET", path: `/v1/hub/listings/${l1}`, allowed: ["member", "publisher", "approver"] },
        { what: "get pending listing", method: "GET", path: `/v1/hub/listings/${l2}`, allowed: ["publisher", "approver"] },
        { what: "list pending", method: "GET", path: "/v1/hub/listings?status=pending", allowed: ["publisher", "approver"], filtering: true },
        { what: "list group", method: "GET", path: `/v1/hub/listings?group_id=${g.body.id}`, allowed: ["member", "publisher", "approver"], filtering: true },
        { what: "search", method: "POST", path: "/v1/hub/search", body: { query: `vault procedure ${tag}` }, allowed: ["member", "publisher", "approver"], filtering: true },
        { what: "install group listing", method: "POST", path: `/v1/hub/listings/${l1}/install`, body: { user_id: ownUser[caller] }, allowed: ["member", "approver"] },
        { what: "install into another's cube", method: "POST", path: `/v1/hub/listings/${l1}/install`, body: { user_id: victim }, allowed: ["approver"] },
        { what: "install pending", method: "POST", path: `/v1/hub/listings/${l2}/install`, body: { user_id: ownUser[caller] }, allowed: [] },
        { what: "installs of the source cube", method: "GET", path: `/v1/hub/installs?user_id=${alice}`, allowed: ["publisher", "approver"] },
        { what: "installs of the victim's cube", method: "GET", path: `/v1/hub/installs?user_id=${victim}`, allowed: ["approver"] },
        { what: "publish another's memory", method: "POST", path: "/v1/hub/listings", body: { kind: "memory", cube_id: `user:${alice}`, id: mems[3], visibility: { tenant: true } }, allowed: ["publisher", "approver"] },
        { what: "reject", method: "POST", path: `/v1/hub/listings/${l3}/reject`, body: { reason: "no" }, allowed: ["approver"] },
        { what: "approve", method: "POST", path: `/v1/hub/listings/${l2}/approve`, body: {}, allowed: ["approver"] },
        { what: "get group", method: "GET", path: `/v1/groups/${g.body.id}`, allowed: ["member", "approver"] },
        { what: "add member", method: "POST", path: `/v1/groups/${g.body.id}/members`, body: { members: [{ kind: "user", id: bob }] }, allowed: [] },
        { what: "remove member", method: "DELETE", path: `/v1/groups/${g.body.id}/members`, body: { members: [{ kind: "user", id: carol }] }, allowed: [] },
        { what: "create group", method: "POST", path: "/v1/groups", body: { name: uniq("mine") }, allowed: [] },
        { what: "delete group", method: "DELETE", path: `/v1/groups/${g.body.id}`, allowed: [] },
        { what: "unpublish", method: "DELETE", path: `/v1/hub/listings/${l1}`, allowed: ["publisher", "approver"] },
      ];
      // Group lists: a non-member's shows no group of this tenant.
      const groupList = JSON.stringify((await api(callerKey(caller), "GET", "/v1/groups")).body);
      if (!["member", "approver"].includes(caller) && groupList.includes(g.body.id)) {
        leaks++;
        failures.push(`LEAK ${caller} × list groups`);
      }
      for (const a of attempts) {
        const r = await api(callerKey(caller), a.method, a.path, a.body);
        const text = JSON.stringify(r.body);
        const ok = r.status < 300;
        const allowed = a.allowed.includes(caller);
        const label = `${caller} × ${a.what}: ${r.status} ${text.slice(0, 160)}`;
        // Another tenant's admin key may act in its own tenant (create a group there); it must reveal and change nothing here.
        const reached = a.filtering ? false : caller === "other-tenant" ? ok && ids.some((id) => text.includes(id)) : ok;
        // Secrets shown: a search or list may show only what the caller may see.
        const shown = secrets.filter((s) => text.includes(s));
        const mayShow = new Set<string>();
        // A filtering read shows its allowed callers these listings: the group's (search, group list) or the pending ones.
        const visible = a.what === "list pending" ? [1, 2] : a.filtering ? [0] : [0, 1, 2, 3];
        if (allowed) visible.forEach((i) => mayShow.add(secrets[i] as string));
        if (shown.some((s) => !mayShow.has(s))) {
          leaks++;
          failures.push(`LEAK content ${label}`);
        }
        // A filtering read shows its allowed callers what they may see.
        if (a.filtering && allowed && [...mayShow].some((s) => !shown.includes(s))) failures.push(`MISSING ${label}`);
        if (!allowed && reached) {
          leaks++;
          failures.push(`LEAK ${label}`);
        }
        if (!allowed && !ok && r.status >= 500) failures.push(`server error ${label}`);
        if ((allowed || (a.filtering && caller !== "revoked")) && !ok) {
          refusedWrongly++;
          failures.push(`REFUSED ${label}`);
        }
      }
      // Nothing a refused caller tried changed the hub.
      const state = async (id: string) => (await api<{ status?: string }>(admin, "GET", `/v1/hub/listings/${id}`)).body.status ?? "gone";
      const expected = caller === "approver" ? ["gone", "approved", "rejected"] : caller === "publisher" ? ["gone", "pending", "pending"] : ["approved", "pending", "pending"];
      const actual = [await state(l1), await state(l2), await state(l3)];
      if (JSON.stringify(actual) !== JSON.stringify(expected)) failures.push(`CHANGED ${caller}: ${JSON.stringify(actual)}`);
      const members = (await api<{ members: Array<{ id: string }> }>(admin, "GET", `/v1/groups/${g.body.id}`)).body.members?.map((m) => m.id);
      if (JSON.stringify(members) !== JSON.stringify([carol])) failures.push(`CHANGED group ${caller}: ${JSON.stringify(members)}`);
      const victimCopies = (await api<{ memories: Array<{ metadata: Record<string, unknown> }> }>(admin, "GET", `/v1/memories?user_id=${victim}`)).body.memories.filter((m) => (m.metadata.hub as { listing_id?: string } | undefined)?.listing_id === l1);
      if (victimCopies.length !== (caller === "approver" ? 1 : 0)) failures.push(`CHANGED victim cube ${caller}: ${victimCopies.length} copies`);
      if (caller !== "approver" && caller !== "publisher") {
        const published = (await api<{ listings: Array<{ source: { id: string } }> }>(admin, "GET", "/v1/hub/listings")).body.listings.some((l) => l.source.id === mems[3]);
        if (published) failures.push(`CHANGED ${caller}: published another's memory`);
      }
    }
    expect(failures).toEqual([]);
    expect(leaks).toBe(0);
    expect(refusedWrongly).toBe(0);
  }, 180_000);
});
