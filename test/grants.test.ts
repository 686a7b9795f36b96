// Key limits and grants: 30 routes tried by another user's key under no, read, write and revoked grants, and from another tenant; leaks counted.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";

type Err = { error: { code: string } };
type Grant = "none" | "read" | "write" | "revoked" | "other-tenant";

/** A key of the tenant `admin` belongs to, with these scopes and limits. */
async function limitedKey(admin: Tenant, limits: Record<string, string[]>, scopes = ["memories:read", "memories:write"]): Promise<Tenant> {
  const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: uniq("limited"), scopes, limits });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
}

async function remember(t: Tenant, body: Record<string, unknown>): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { infer: false, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}

const drain = (tenant: string, cube: string) => runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${tenant}/${cube}`)));

interface Attempt {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  /** The least a caller needs for this to succeed: read, write, or owner (never through a grant). */
  needs: "read" | "write" | "owner";
}

describe("grants across users of one tenant", () => {
  it("lets every route reach another user's cube exactly as far as the grant goes, and leaks nothing otherwise", async () => {
    const admin = await newTenant(["admin"]);
    const stranger = await newTenant(["admin"]);
    const bob = await limitedKey(admin, { user_ids: ["bob"] });
    let leaks = 0;
    let refusedWrongly = 0;
    const failures: string[] = [];

    for (const grant of ["none", "read", "write", "revoked", "other-tenant"] as Grant[]) {
      const owner = uniq("alice");
      const cube = `user:${owner}`;
      const secret = `vault code ${uniq("code")}`;
      const id = await remember(admin, { user_id: owner, text: `Alice's ${secret}` });
      const victim = await remember(admin, { user_id: owner, text: "a memory to delete" });
      const job = await api<{ job: { id: string } }>(admin, "POST", "/v1/memories", { user_id: owner, messages: [{ role: "user", content: "I moved to Lyon." }] });
      if (grant !== "none" && grant !== "other-tenant") {
        const g = await api<{ id: string }>(admin, "POST", `/v1/cubes/${cube}/grants`, { grantee: { kind: "user", id: "bob" }, permission: grant === "write" ? "write" : "read" });
        expect(g.status).toBe(201);
        if (grant === "revoked") expect((await api(admin, "DELETE", `/v1/cubes/${cube}/grants/${g.body.id}`)).status).toBe(200);
      }
      await drain(admin.id, cube);
      const caller = grant === "other-tenant" ? stranger : bob;
      const attempts: Attempt[] = [
        { what: "get", method: "GET", path: `/v1/memories/${id}`, needs: "read" },
        { what: "get in cube", method: "GET", path: `/v1/memories/${id}?cube_id=${cube}`, needs: "read" },
        { what: "history", method: "GET", path: `/v1/memories/${id}/history`, needs: "read" },
        { what: "list cube", method: "GET", path: `/v1/memories?user_id=${owner}`, needs: "read" },
        { what: "cube stats", method: "GET", path: `/v1/cubes/${cube}`, needs: "read" },
        { what: "job", method: "GET", path: `/v1/jobs/${job.body.job.id}`, needs: "read" },
        { what: "search cube", method: "POST", path: "/v1/search", body: { query: "vault code", user_id: owner }, needs: "read" },
        { what: "search cube_ids", method: "POST", path: "/v1/search", body: { query: "vault code", cube_ids: [cube] }, needs: "read" },
        { what: "context", method: "POST", path: "/v1/context", body: { query: "vault code", cube_id: cube }, needs: "read" },
        { what: "mem0 get", method: "GET", path: `/mem0/v1/memories/${id}/`, needs: "read" },
        { what: "memos get", method: "POST", path: "/api/openmem/v1/get/memory", body: { user_id: owner }, needs: "read" },
        { what: "provenance", method: "GET", path: `/v1/memories/${id}/provenance`, needs: "read" },
        { what: "entities", method: "GET", path: `/v1/entities?user_id=${owner}`, needs: "read" },
        { what: "lifecycle policy", method: "GET", path: `/v1/cubes/${cube}/lifecycle`, needs: "read" },
        { what: "privacy mode", method: "GET", path: `/v1/cubes/${cube}/privacy`, needs: "read" },
        // Scopes bob's key lacks (pii:read, export, admin): refused whatever the grant says.
        { what: "reveal", method: "GET", path: `/v1/memories/${id}/reveal`, needs: "owner" },
        { what: "export", method: "GET", path: `/v1/export?user_id=${owner}`, needs: "owner" },
        { what: "set privacy", method: "PUT", path: `/v1/cubes/${cube}/privacy`, body: { mode: "off" }, needs: "owner" },
        { what: "audit", method: "GET", path: `/v1/audit?cube_id=${cube}`, needs: "owner" },
        { what: "archive", method: "POST", path: `/v1/memories/${victim}/archive`, body: {}, needs: "write" },
        { what: "restore", method: "POST", path: `/v1/memories/${victim}/restore`, body: {}, needs: "write" },
        { what: "set lifecycle", method: "PUT", path: `/v1/cubes/${cube}/lifecycle`, body: { archive_after_days: 365 }, needs: "write" },
        { what: "patch", method: "PATCH", path: `/v1/memories/${id}`, body: { text: `Alice's ${secret}, edited` }, needs: "write" },
        { what: "add", method: "POST", path: "/v1/memories", body: { user_id: owner, text: "planted by bob", infer: false }, needs: "write" },
        { what: "feedback", method: "POST", path: "/v1/feedback", body: { memory_id: id, correction: "the vault code changed" }, needs: "write" },
        { what: "delete", method: "DELETE", path: `/v1/memories/${victim}`, needs: "write" },
        { what: "grant", method: "POST", path: `/v1/cubes/${cube}/grants`, body: { grantee: { kind: "user", id: "mallory" }, permission: "write" }, needs: "owner" },
        { what: "list grants", method: "GET", path: `/v1/cubes/${cube}/grants`, needs: "owner" },
        { what: "delete scope", method: "DELETE", path: `/v1/memories?user_id=${owner}`, needs: "write" },
        { what: "delete cube", method: "DELETE", path: `/v1/cubes/${cube}`, needs: "owner" },
      ];
      // Tenant-wide reads by the caller (before the writes below change the cube) see its memories only under a live grant.
      const wide = await api<{ results: Array<{ memory: { cube_id: string; text: string } }> }>(caller, "POST", "/v1/search", { query: "vault code" });
      const list = await api<{ memories: Array<{ cube_id: string }> }>(caller, "GET", "/v1/memories");
      const seen = wide.body.results.some((x) => x.memory.text.includes(secret)) || list.body.memories.some((m) => m.cube_id === cube);
      const mayRead = grant === "read" || grant === "write";
      if (seen !== mayRead) failures.push(`tenant-wide ${grant}: seen ${seen}`);
      if (seen && !mayRead) leaks++;
      if (mayRead) expect(wide.body.results.find((x) => x.memory.text.includes(secret))?.memory.cube_id).toBe(cube);
      for (const a of attempts) {
        const allowed = a.needs === "read" ? grant === "read" || grant === "write" : a.needs === "write" ? grant === "write" : false;
        const r = await api<Err>(caller, a.method, a.path, a.body);
        const text = JSON.stringify(r.body);
        const ok = r.status < 300;
        const label = `${grant} × ${a.what}: ${r.status} ${text.slice(0, 160)}`;
        // Another tenant's key may act in its own tenant (a cube of the same name there is its own); it must reveal and change nothing here.
        const reached = grant === "other-tenant" ? text.includes(admin.id) : ok;
        if (!allowed && (reached || text.includes(secret) || (ok && text.includes(id)))) {
          leaks++;
          failures.push(`LEAK ${label}`);
        }
        if (!allowed && !ok && r.status !== 404 && r.status !== 403) failures.push(`unexpected status ${label}`);
        if (allowed && !ok) {
          refusedWrongly++;
          failures.push(`REFUSED ${label}`);
        }
      }
      if (grant !== "write") {
        // Nothing a refused caller tried changed the owner's cube.
        const after = await api<{ memories: Array<{ id: string; text: string }> }>(admin, "GET", `/v1/memories?user_id=${owner}`);
        const texts = after.body.memories.map((m) => m.text);
        if (!texts.includes(`Alice's ${secret}`) || !after.body.memories.some((m) => m.id === victim) || texts.includes("planted by bob")) {
          leaks++;
          failures.push(`CHANGED ${grant}: ${JSON.stringify(texts)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(leaks).toBe(0);
    expect(refusedWrongly).toBe(0);
  }, 180_000);

  it("answers 403 to a read grant asked to write, and 404 where nothing is granted", async () => {
    const admin = await newTenant(["admin"]);
    const bob = await limitedKey(admin, { user_ids: ["bob"] });
    const owner = uniq("alice");
    const id = await remember(admin, { user_id: owner, text: "Alice likes figs" });
    expect((await api<Err>(bob, "PATCH", `/v1/memories/${id}`, { text: "x" })).status).toBe(404);
    await api(admin, "POST", `/v1/cubes/user:${owner}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "read" });
    const r = await api<Err>(bob, "PATCH", `/v1/memories/${id}`, { text: "x" });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("forbidden");
    expect((await api<{ text: string }>(admin, "GET", `/v1/memories/${id}`)).body.text).toBe("Alice likes figs");
  });

  it("changes a live grant's permission instead of adding a second one, and lists grants for the owner only", async () => {
    const admin = await newTenant(["admin"]);
    const owner = uniq("alice");
    await remember(admin, { user_id: owner, text: "Alice likes figs" });
    const alice = await limitedKey(admin, { user_ids: [owner] });
    const first = await api<{ id: string; permission: string }>(alice, "POST", `/v1/cubes/user:${owner}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "read" });
    expect(first.status).toBe(201);
    const again = await api<{ id: string; permission: string }>(alice, "POST", `/v1/cubes/user:${owner}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "write" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, permission: "write" });
    const listed = await api<{ grants: Array<{ id: string; created_by: string }> }>(alice, "GET", `/v1/cubes/user:${owner}/grants`);
    expect(listed.body.grants.map((g) => g.id)).toEqual([first.body.id]);
    const bob = await limitedKey(admin, { user_ids: ["bob"] });
    const received = await api<{ grants: Array<{ id: string; permission: string }> }>(bob, "GET", "/v1/grants");
    expect(received.body.grants).toEqual([expect.objectContaining({ id: first.body.id, permission: "write" })]);
    expect((await api(bob, "GET", `/v1/cubes/user:${owner}/grants`)).status).toBe(403);
  });

  it("refuses ill-formed grants with 400 or 404 and stores nothing", async () => {
    const admin = await newTenant(["admin"]);
    const other = await newTenant(["admin"]);
    const owner = uniq("alice");
    await remember(admin, { user_id: owner, text: "Alice likes figs" });
    const foreignCube = (await api<{ id: string }>(other, "POST", "/v1/cubes", { name: "theirs" })).body.id;
    const bad: Array<[unknown, number]> = [
      [{ grantee: { kind: "user", id: "bob" } }, 400],
      [{ grantee: { kind: "group", id: "bob" }, permission: "read" }, 400],
      [{ grantee: { kind: "user", id: "bad id!" }, permission: "read" }, 400],
      [{ grantee: { kind: "user", id: "bob" }, permission: "admin" }, 400],
      [{ grantee: { kind: "cube", id: `user:${owner}` }, permission: "read" }, 400],
      [{ grantee: { kind: "cube", id: foreignCube }, permission: "read" }, 404],
    ];
    for (const [body, status] of bad) expect((await api(admin, "POST", `/v1/cubes/user:${owner}/grants`, body)).status, JSON.stringify(body)).toBe(status);
    expect((await api(admin, "POST", `/v1/cubes/user:nobody-${uniq("x")}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "read" })).status).toBe(404);
    expect((await api(other, "POST", `/v1/cubes/user:${owner}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "read" })).status).toBe(404);
    expect((await api<{ grants: unknown[] }>(admin, "GET", `/v1/cubes/user:${owner}/grants?include_revoked=true`)).body.grants).toEqual([]);
  });

  it("forgets a deleted cube's grants: a new cube of the same id is not shared", async () => {
    const admin = await newTenant(["admin"]);
    const bob = await limitedKey(admin, { user_ids: ["bob"] });
    const owner = uniq("alice");
    await remember(admin, { user_id: owner, text: "old cube" });
    await api(admin, "POST", `/v1/cubes/user:${owner}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "read" });
    expect((await api(bob, "GET", `/v1/memories?user_id=${owner}`)).status).toBe(200);
    expect((await api(admin, "DELETE", `/v1/cubes/user:${owner}`)).status).toBe(200);
    await remember(admin, { user_id: owner, text: "new cube, same id" });
    expect((await api(bob, "GET", `/v1/memories?user_id=${owner}`)).status).toBe(404);
  });
});

describe("keys limited to agents and cubes", () => {
  it("shows an agent's key its user's shared memories and its own, never a sibling agent's, unless granted", async () => {
    const admin = await newTenant(["admin"]);
    const user = uniq("u");
    const shared = await remember(admin, { user_id: user, text: "the user's home is Lyon" });
    const mine = await remember(admin, { user_id: user, agent_id: "planner", text: "planner note: book the Lyon train" });
    const sibling = await remember(admin, { user_id: user, agent_id: "coach", text: "coach note: Lyon marathon pace" });
    await drain(admin.id, `user:${user}`);
    const planner = await limitedKey(admin, { user_ids: [user], agent_ids: ["planner"] });

    const listed = await api<{ memories: Array<{ id: string }> }>(planner, "GET", `/v1/memories?user_id=${user}`);
    expect(listed.body.memories.map((m) => m.id).sort()).toEqual([shared, mine].sort());
    const found = await api<{ results: Array<{ memory: { id: string } }> }>(planner, "POST", "/v1/search", { query: "Lyon", user_id: user });
    expect(found.body.results.map((r) => r.memory.id)).not.toContain(sibling);
    expect(found.body.results.map((r) => r.memory.id)).toContain(mine);
    const wide = await api<{ memories: Array<{ id: string }> }>(planner, "GET", "/v1/memories");
    expect(wide.body.memories.map((m) => m.id)).not.toContain(sibling);
    for (const [method, path, body] of [
      ["GET", `/v1/memories/${sibling}`],
      ["GET", `/v1/memories/${sibling}/history`],
      ["PATCH", `/v1/memories/${sibling}`, { text: "overwritten" }],
      ["DELETE", `/v1/memories/${sibling}`],
      ["POST", "/v1/feedback", { memory_id: sibling, correction: "pace changed" }],
    ] as Array<[string, string, unknown?]>) {
      expect((await api(planner, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await api(planner, "GET", `/v1/entities?user_id=${user}`)).status).toBe(403);

    // Its writes land under its agent; it may not write as another.
    const added = await api<{ memories: Array<{ agent_id: string }> }>(planner, "POST", "/v1/memories", { user_id: user, text: "planner: window seat", infer: false });
    expect(added.body.memories[0]?.agent_id).toBe("planner");
    expect((await api(planner, "POST", "/v1/memories", { user_id: user, agent_id: "coach", text: "as coach", infer: false })).status).toBe(403);
    // Deleting a scope takes only its own agent's memories.
    expect((await api<{ deleted: number }>(planner, "DELETE", `/v1/memories?user_id=${user}`)).body.deleted).toBe(2);
    expect((await api(admin, "GET", `/v1/memories/${sibling}`)).status).toBe(200);
    expect((await api(admin, "GET", `/v1/memories/${shared}`)).status).toBe(200);

    await api(admin, "POST", `/v1/cubes/user:${user}/grants`, { grantee: { kind: "agent", id: "planner" }, permission: "read" });
    expect((await api(planner, "GET", `/v1/memories/${sibling}`)).status).toBe(200);
  });

  it("keeps a key limited to a cube inside it, and reaches another cube only through a grant to that cube", async () => {
    const admin = await newTenant(["admin"]);
    const home = (await api<{ id: string }>(admin, "POST", "/v1/cubes", { name: "home" })).body.id;
    const away = (await api<{ id: string }>(admin, "POST", "/v1/cubes", { name: "away" })).body.id;
    await remember(admin, { cube_id: home, text: "home fact" });
    const awayId = await remember(admin, { cube_id: away, text: "away fact" });
    const key = await limitedKey(admin, { cube_ids: [home] });
    expect((await api(key, "GET", `/v1/memories?cube_id=${home}`)).status).toBe(200);
    expect((await api(key, "GET", `/v1/memories/${awayId}`)).status).toBe(404);
    expect((await api(key, "POST", "/v1/memories", { user_id: uniq("u"), text: "new user", infer: false })).status).toBe(404);
    expect((await api(key, "POST", "/v1/cubes", { name: "mine" })).status).toBe(403);
    const cubes = await api<{ cubes: Array<{ id: string }> }>(key, "GET", "/v1/cubes");
    expect(cubes.body.cubes.map((c) => c.id)).toEqual([home]);
    await api(admin, "POST", `/v1/cubes/${away}/grants`, { grantee: { kind: "cube", id: home }, permission: "read" });
    expect((await api(key, "GET", `/v1/memories/${awayId}`)).status).toBe(200);
    const both = await api<{ results: Array<{ memory: { cube_id: string } }> }>(key, "POST", "/v1/search", { query: "fact", cube_ids: [home, away] });
    expect(new Set(both.body.results.map((r) => r.memory.cube_id))).toEqual(new Set([home, away]));
    expect((await api(key, "POST", "/v1/search", { query: "fact", cube_ids: [home], cube_id: home })).status).toBe(400);
  });

  it("refuses keys whose limits are empty, ill-formed or joined with the admin scope", async () => {
    const admin = await newTenant(["admin"]);
    for (const body of [
      { name: "k", scopes: ["memories:read"], limits: {} },
      { name: "k", scopes: ["memories:read"], limits: { user_ids: [] } },
      { name: "k", scopes: ["memories:read"], limits: { user_ids: ["bad id!"] } },
      { name: "k", scopes: ["memories:read"], limits: { groups: ["x"] } },
      { name: "k", scopes: ["admin"], limits: { user_ids: ["bob"] } },
    ]) {
      const r = await api<Err>(admin, "POST", "/v1/keys", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const keys = await api<{ keys: Array<{ limits: unknown }> }>(admin, "GET", "/v1/keys");
    expect(keys.body.keys.map((k) => k.limits)).toEqual([null]);
  });
});
