// The audit log end to end: cube and tenant chains drained to D1, queries, isolation, tamper detection, cube deletion.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { ADMIN, BASE, api, newTenant, uniq, waitForJob, type Tenant } from "./helpers";
import { app } from "../src/app";
import { probeStub } from "./fixtures/cube-probe";

interface Row {
  tenant_id: string;
  chain: string;
  seq: number;
  at: number;
  key_id: string | null;
  request_id: string | null;
  action: string;
  target_ids: string;
  prev_hash: string;
  hash: string;
}
interface Entry {
  chain: string;
  seq: number;
  at: string;
  key_id: string | null;
  request_id: string | null;
  action: string;
  target_ids: string[];
}
interface Verdict {
  chain: string;
  ok: boolean;
  entries: number;
  first_bad_seq?: number;
  reason?: string;
}
type Err = { error: { code: string } };

const AUDITOR = ["memories:read", "memories:write", "audit:read"];
const stub = (tenant: string, cube: string) => env.CUBE.get(env.CUBE.idFromName(`${tenant}/${cube}`));
const drain = (tenant: string, cube: string) => runDurableObjectAlarm(stub(tenant, cube));

/** The tenant's entries: all, one chain ("tenant" or `<cube>#<start>`), or every chain of a cube id. */
async function rows(tenant: string, chainOrCube?: string): Promise<Row[]> {
  const db = env.DB;
  const q =
    chainOrCube === undefined
      ? db.prepare("SELECT * FROM audit_entries WHERE tenant_id = ? ORDER BY chain, seq").bind(tenant)
      : chainOrCube === "tenant" || chainOrCube.includes("#")
        ? db.prepare("SELECT * FROM audit_entries WHERE tenant_id = ? AND chain = ? ORDER BY seq").bind(tenant, chainOrCube)
        : db.prepare("SELECT * FROM audit_entries WHERE tenant_id = ? AND chain > ? AND chain < ? ORDER BY chain, seq").bind(tenant, `${chainOrCube}#`, `${chainOrCube}$`);
  return (await q.all<Row>()).results;
}

/** The chains a cube id had, oldest first. */
async function chainsOf(tenant: string, cube: string): Promise<string[]> {
  return [...new Set((await rows(tenant, cube)).sort((a, b) => a.at - b.at || a.seq - b.seq).map((r) => r.chain))];
}

async function keyIdOf(tenant: string): Promise<string> {
  const r = await env.DB.prepare("SELECT id FROM api_keys WHERE tenant_id = ? ORDER BY created_at LIMIT 1").bind(tenant).first<{ id: string }>();
  return (r as { id: string }).id;
}

async function remember(t: Tenant, body: Record<string, unknown>, requestId?: string): Promise<string> {
  const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { infer: false, ...body }, requestId ? { "x-request-id": requestId } : {});
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body.memories[0] as { id: string }).id;
}

const verify = (t: Tenant, chain?: string) => api<{ ok: boolean; chains: Verdict[]; chains_left_out: number }>(t, "POST", "/v1/audit/verify", chain === undefined ? {} : { chain });

/** A cube chain of `n` memory.add entries, drained: the cube and its chain. */
async function cubeWithEntries(t: Tenant, n: number): Promise<{ cube: string; chain: string }> {
  const user = uniq("u");
  for (let i = 0; i < n; i++) await remember(t, { user_id: user, text: `note ${i} of ${user}` });
  await drain(t.id, `user:${user}`);
  const [chain] = await chainsOf(t.id, `user:${user}`);
  expect(chain).toMatch(new RegExp(`^user:${user}#[0-9a-z]+$`));
  return { cube: `user:${user}`, chain: chain as string };
}

describe("audit entries of a cube", () => {
  it("records a write, a get, a search and a delete with the key id and request id, ids only, and keeps them after the delete", async () => {
    const t = await newTenant(AUDITOR);
    const keyId = await keyIdOf(t.id);
    const user = uniq("u");
    const cube = `user:${user}`;
    const secret = `Quixotic${crypto.randomUUID().slice(0, 6)} keeps bees in Lyon`;
    const id = await remember(t, { user_id: user, text: secret }, "req-add-1");
    expect((await api(t, "GET", `/v1/memories/${id}`, undefined, { "x-request-id": "req-get-1" })).status).toBe(200);
    const found = await api<{ results: Array<{ memory: { id: string } }> }>(t, "POST", "/v1/search", { cube_id: cube, query: "who keeps bees" }, { "x-request-id": "req-search-1" });
    expect(found.status).toBe(200);
    expect(found.body.results.map((r) => r.memory.id)).toContain(id);
    await drain(t.id, cube);
    const before = await rows(t.id, cube);
    expect((await api(t, "DELETE", `/v1/memories/${id}`, undefined, { "x-request-id": "req-del-1" })).status).toBe(200);
    await drain(t.id, cube);
    const after = await rows(t.id, cube);

    // Deleting the memory deleted no entry: the earlier ones are all still there, unchanged.
    expect(after.slice(0, before.length)).toEqual(before);
    const byRequest = (rid: string) => after.filter((r) => r.request_id === rid);
    for (const [rid, action] of [
      ["req-add-1", "memory.add"],
      ["req-get-1", "memory.read"],
      ["req-search-1", "memory.search"],
      ["req-del-1", "memory.delete"],
    ] as const) {
      const mine = byRequest(rid);
      expect(mine.map((r) => r.action), rid).toEqual([action]);
      expect(mine[0]?.key_id).toBe(keyId);
      expect(JSON.parse(mine[0]?.target_ids ?? "[]")).toContain(id);
    }
    expect(after.map((r) => r.seq)).toEqual(after.map((_, i) => i + 1));

    // No memory text anywhere: not in D1's rows, not in the cube's own log.
    const word = secret.split(" ")[0] as string;
    for (const r of await rows(t.id)) for (const v of Object.values(r)) expect(String(v)).not.toContain(word);
    const local = await runInDurableObject(stub(t.id, cube), (_o, state) => state.storage.sql.exec("SELECT * FROM audit_log").toArray());
    expect(JSON.stringify(local)).not.toContain(word);
  });

  it("records a list and a history read, and a completed job with no key", async () => {
    const t = await newTenant(AUDITOR);
    const user = uniq("u");
    const id = await remember(t, { user_id: user, text: "Ann plays chess" });
    expect((await api(t, "GET", `/v1/memories?user_id=${user}`, undefined, { "x-request-id": "req-list-1" })).status).toBe(200);
    expect((await api(t, "GET", `/v1/memories/${id}/history`, undefined, { "x-request-id": "req-hist-1" })).status).toBe(200);
    const job = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", { user_id: user, text: "I moved to Porto last year.", sync: true });
    expect(job.status, JSON.stringify(job.body)).toBeLessThan(300);
    await waitForJob(t, job.body.job.id, (j) => j.state === "succeeded");
    await drain(t.id, `user:${user}`);
    const all = await rows(t.id, `user:${user}`);
    expect(all.find((r) => r.request_id === "req-list-1")?.action).toBe("memory.list");
    expect(JSON.parse(all.find((r) => r.request_id === "req-list-1")?.target_ids ?? "[]")).toContain(id);
    expect(all.find((r) => r.request_id === "req-hist-1")?.action).toBe("memory.history");
    const done = all.filter((r) => r.action === "job.complete");
    expect(done).toHaveLength(1);
    expect(done[0]?.key_id).toBeNull();
    expect(done[0]?.request_id).toBeNull();
    expect(JSON.parse(done[0]?.target_ids ?? "[]")[0]).toBe(job.body.job.id);
    expect(all.find((r) => r.action === "memory.ingest")?.target_ids).toBe(JSON.stringify([job.body.job.id]));
  });
});

describe("audit entries of a cube's settings and revealed data", () => {
  it("records a privacy mode change, a lifecycle policy change, a consolidation and an activation settings change, and a reveal, with no revealed value", async () => {
    const t = await newTenant(["admin"]);
    const user = uniq("u");
    const cube = `user:${user}`;
    const email = `ann.${crypto.randomUUID().slice(0, 6)}@example.com`;
    const id = await remember(t, { user_id: user, text: `Ann's mail is ${email}` });
    expect((await api(t, "PUT", `/v1/cubes/${cube}/privacy`, { mode: "mask" }, { "x-request-id": "req-priv-1" })).status).toBe(200);
    expect((await api(t, "PUT", `/v1/cubes/${cube}/lifecycle`, { ttl_seconds: {}, archive_after_days: null, purge_tombstones_after_days: null }, { "x-request-id": "req-life-1" })).status).toBe(200);
    expect((await api(t, "PATCH", `/v1/cubes/${cube}/scheduler/consolidation`, { idle_ms: 120_000 }, { "x-request-id": "req-cons-1" })).status).toBe(200);
    expect((await api(t, "PATCH", `/v1/cubes/${cube}/scheduler/activation`, { enabled: false }, { "x-request-id": "req-act-1" })).status).toBe(200);
    const shown = await api<{ text: string; revealed: number }>(t, "GET", `/v1/memories/${id}/reveal`, undefined, { "x-request-id": "req-rev-1" });
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(shown.body.text).toContain(email);
    await drain(t.id, cube);
    const all = await rows(t.id, cube);
    expect(all.find((r) => r.request_id === "req-priv-1")).toMatchObject({ action: "cube.privacy", target_ids: JSON.stringify([cube]) });
    expect(all.find((r) => r.request_id === "req-life-1")).toMatchObject({ action: "cube.lifecycle", target_ids: JSON.stringify([cube]) });
    expect(all.find((r) => r.request_id === "req-cons-1")).toMatchObject({ action: "cube.consolidation", target_ids: JSON.stringify([cube]) });
    expect(all.find((r) => r.request_id === "req-act-1")).toMatchObject({ action: "cube.activation", target_ids: JSON.stringify([cube]) });
    const reveal = all.find((r) => r.action === "pii.reveal");
    expect(reveal?.request_id).toBe("req-rev-1");
    expect(JSON.parse(reveal?.target_ids ?? "[]")).toEqual(["[EMAIL_1]"]);
    for (const r of await rows(t.id)) for (const v of Object.values(r)) expect(String(v)).not.toContain(email.split("@")[0]);
  });
});

describe("audit entries of background work and key management", () => {
  it("records the lifecycle's expiry of a memory as system work (no key, no request), ids only", async () => {
    const t = await newTenant(AUDITOR);
    const user = uniq("u");
    const cube = `user:${user}`;
    const secret = `Yeast${crypto.randomUUID().slice(0, 6)} rises overnight`;
    const id = await remember(t, { user_id: user, text: secret, expires_at: new Date(Date.now() + 1_000).toISOString() });
    await new Promise((r) => setTimeout(r, 1_200));
    await drain(t.id, cube);
    expect((await api(t, "GET", `/v1/memories/${id}`)).status).toBe(404);
    await drain(t.id, cube);
    const expired = (await rows(t.id, cube)).filter((r) => r.action === "memory.expire");
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ key_id: null, request_id: null, target_ids: JSON.stringify([id]) });
    for (const r of await rows(t.id, cube)) for (const v of Object.values(r)) expect(String(v)).not.toContain(secret.slice(0, 10));
    const [chain] = await chainsOf(t.id, cube);
    expect((await verify(t, chain)).body.chains[0]?.ok).toBe(true);
  });

  it("records a data key rotation and a rewrap in the tenant chain with the request id and no key material", async () => {
    const t = await newTenant(AUDITOR);
    const call = (path: string, requestId: string) =>
      app.request(`${BASE}/v1/admin/tenants/${t.id}/data-keys/${path}`, { method: "POST", headers: { authorization: ADMIN, "x-request-id": requestId } }, env);
    const rotated = await call("rotate", "req-rot-1");
    expect(rotated.status).toBe(200);
    const { version } = (await rotated.json()) as { version: number };
    expect((await call("rewrap", "req-wrap-1")).status).toBe(200);
    const tenantRows = await rows(t.id, "tenant");
    expect(tenantRows.find((r) => r.request_id === "req-rot-1")).toMatchObject({ action: "data_key.rotate", key_id: null, target_ids: JSON.stringify([`data_key:${version}`]) });
    expect(tenantRows.find((r) => r.request_id === "req-wrap-1")?.action).toBe("data_key.rewrap");
    const wrapped = await env.DB.prepare("SELECT wrapped FROM data_keys WHERE tenant_id = ?").bind(t.id).all<{ wrapped: string }>();
    for (const r of tenantRows) for (const w of wrapped.results) expect(r.target_ids).not.toContain(w.wrapped.slice(0, 16));
    expect((await verify(t, "tenant")).body.chains[0]?.ok).toBe(true);
  });
});

describe("a D1 outage", () => {
  it("delays the audit drain and the cube's deletion, and loses no entry", async () => {
    const t = await newTenant(AUDITOR);
    const cube = uniq("ops");
    expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "ops" })).status).toBe(201);
    const probe = probeStub(`${t.id}/${cube}`);
    await probe.failAuditDrain(true);
    const id = await remember(t, { cube_id: cube, text: "the pager rota changes on Fridays" });
    expect((await api(t, "GET", `/v1/memories/${id}`)).status).toBe(200);
    await drain(t.id, cube);
    expect(await rows(t.id, cube)).toEqual([]);
    const waiting = await runInDurableObject(probe, (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE drained = 0").one().n);
    expect(waiting).toBe(2);
    // The alarm comes back for them.
    expect(await runInDurableObject(probe, (_o, state) => state.storage.getAlarm())).not.toBeNull();

    // Deleting the cube now would lose them: it is refused, and the entries stay.
    const refused = await api<Err>(t, "DELETE", `/v1/cubes/${cube}`);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("upstream_unavailable");
    expect(await rows(t.id, cube)).toEqual([]);

    await probe.failAuditDrain(false);
    expect((await api(t, "DELETE", `/v1/cubes/${cube}`)).status).toBe(200);
    expect((await rows(t.id, cube)).map((r) => r.action)).toEqual(["memory.add", "memory.read"]);
    const [chain] = await chainsOf(t.id, cube);
    expect((await verify(t, chain)).body.chains).toEqual([{ chain, ok: true, entries: 2 }]);
  });
});

describe("the tenant chain", () => {
  it("records tenant creation, key creation and revocation, and grants, with the acting key", async () => {
    const t = await newTenant(["admin"]);
    const adminKey = await keyIdOf(t.id);
    const made = await api<{ id: string }>(t, "POST", "/v1/keys", { name: "reader", scopes: ["memories:read"] }, { "x-request-id": "req-key-1" });
    expect(made.status).toBe(201);
    expect((await api(t, "DELETE", `/v1/keys/${made.body.id}`)).status).toBe(200);
    expect((await api(t, "DELETE", `/v1/keys/${made.body.id}`)).status).toBe(200);
    const user = uniq("u");
    await remember(t, { user_id: user, text: "a cube to share" });
    const g = await api<{ id: string }>(t, "POST", `/v1/cubes/user:${user}/grants`, { grantee: { kind: "user", id: "bob" }, permission: "read" });
    expect(g.status).toBe(201);
    expect((await api(t, "DELETE", `/v1/cubes/user:${user}/grants/${g.body.id}`)).status).toBe(200);

    const chain = await rows(t.id, "tenant");
    expect(chain.map((r) => r.action)).toEqual(["tenant.create", "key.create", "key.create", "key.revoke", "grant.create", "grant.revoke"]);
    expect(chain[0]).toMatchObject({ key_id: null, target_ids: JSON.stringify([t.id]) });
    // The test key was made by the operator (no key); the reader key by the admin key.
    expect(chain[1]).toMatchObject({ key_id: null, target_ids: JSON.stringify([adminKey]) });
    expect(chain[2]).toMatchObject({ key_id: adminKey, request_id: "req-key-1", target_ids: JSON.stringify([made.body.id]) });
    expect(JSON.parse(chain[3]?.target_ids ?? "[]")).toEqual([made.body.id]);
    expect(JSON.parse(chain[4]?.target_ids ?? "[]")).toEqual([g.body.id, `user:${user}`, "bob"]);
    expect(JSON.parse(chain[5]?.target_ids ?? "[]")).toEqual([g.body.id, `user:${user}`]);
    expect((await verify(t, "tenant")).body.chains).toEqual([{ chain: "tenant", ok: true, entries: 6 }]);
  });

  it("appends concurrent events without forking: one entry per seq, all linked", async () => {
    const t = await newTenant(["admin"]);
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => api(t, "POST", "/v1/keys", { name: `k${i}`, scopes: ["memories:read"] })));
    expect(made.map((m) => m.status)).toEqual(Array(6).fill(201));
    const chain = await rows(t.id, "tenant");
    expect(chain.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await verify(t, "tenant")).body.ok).toBe(true);
  });
});

describe("GET /v1/audit", () => {
  it("filters by chain, action, key, target and time, pages newest first, and shows no other tenant's entries", async () => {
    const t = await newTenant(AUDITOR);
    const other = await newTenant(AUDITOR);
    const keyId = await keyIdOf(t.id);
    const user = uniq("u");
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await remember(t, { user_id: user, text: `fact ${i} about ${user}` }));
    expect((await api(t, "GET", `/v1/memories/${ids[1]}`)).status).toBe(200);
    const theirs = await remember(other, { user_id: user, text: "the other tenant's memory" });
    await drain(t.id, `user:${user}`);
    await drain(other.id, `user:${user}`);

    const get = (q: string, who = t) => api<{ entries: Entry[]; next_cursor: string | null }>(who, "GET", `/v1/audit?${q}`);
    const [chain] = await chainsOf(t.id, `user:${user}`);
    const adds = await get(`action=memory.add&chain=${encodeURIComponent(chain as string)}`);
    expect(adds.status).toBe(200);
    expect(adds.body.entries.map((e) => e.target_ids[0])).toEqual([...ids].reverse());
    expect((await get(`cube_id=user:${user}&action=memory.read`)).body.entries.map((e) => e.target_ids)).toEqual([[ids[1]]]);
    expect((await get(`target_id=${ids[1]}`)).body.entries.map((e) => e.action).sort()).toEqual(["memory.add", "memory.read"]);
    const byKey = (await get(`key_id=${keyId}&limit=200`)).body.entries;
    expect(byKey.length).toBeGreaterThanOrEqual(4);
    expect(byKey.every((e) => e.key_id === keyId)).toBe(true);
    expect((await get("from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")).body.entries).toEqual([]);

    // Pages of two cover everything once, newest first.
    const all = (await get("limit=200")).body.entries;
    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { entries: Entry[]; next_cursor: string | null } = (await get(`limit=2${cursor ? `&cursor=${cursor}` : ""}`)).body;
      expect(page.entries.length).toBeLessThanOrEqual(2);
      paged.push(...page.entries);
      cursor = page.next_cursor;
    } while (cursor);
    expect(paged).toEqual(all);
    const times = all.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // The other tenant's memory, key and chain never show, even when asked for by id.
    expect(JSON.stringify(all)).not.toContain(theirs);
    expect((await get(`target_id=${theirs}`)).body.entries).toEqual([]);
    expect((await get(`key_id=${await keyIdOf(other.id)}`)).body.entries).toEqual([]);
    expect((await get(`target_id=${ids[0]}`, other)).body.entries).toEqual([]);
  });

  it("answers bad filters with 400 and changes nothing", async () => {
    const t = await newTenant(AUDITOR);
    for (const q of ["limit=201", "limit=0", "action=memory.steal", "from=yesterday", "cursor=notacursor", "chain=has%20space", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "chain=user:x", "chain=user:x%23ABC", "extra=1"]) {
      const r = await api<Err>(t, "GET", `/v1/audit?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe("invalid_request");
    }
    expect((await api<Err>(t, "POST", "/v1/audit/verify", { chain: "not a cube!" })).status).toBe(400);
    expect((await api<Err>(t, "POST", "/v1/audit/verify", { chain: "tenant", extra: true })).status).toBe(400);
    expect((await api<Err>(t, "POST", "/v1/audit/verify", { chain: "user:nobody" })).status).toBe(400);
    const unknown = await api<Err>(t, "POST", "/v1/audit/verify", { chain: "user:nobody#abc" });
    expect(unknown.status).toBe(404);
    expect(await rows(t.id, "user:nobody")).toEqual([]);
  });

  it("refuses keys without audit:read, and keys with limits", async () => {
    const admin = await newTenant(["admin"]);
    const reader = await newTenant(["memories:read"]);
    for (const [method, path, body] of [["GET", "/v1/audit", undefined], ["POST", "/v1/audit/verify", {}]] as const) {
      const r = await api<Err>(reader, method, path, body);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("forbidden");
    }
    const limited = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: "l", scopes: ["audit:read"], limits: { user_ids: ["bob"] } });
    expect(limited.status).toBe(201);
    const asLimited = { id: admin.id, key: limited.body.key, auth: { authorization: `Bearer ${limited.body.key}` } };
    expect((await api<Err>(asLimited, "GET", "/v1/audit")).status).toBe(403);
    expect((await api<Err>(asLimited, "POST", "/v1/audit/verify", {})).status).toBe(403);
  });
});

describe("POST /v1/audit/verify", () => {
  it("passes untouched chains of the tenant", async () => {
    const t = await newTenant(AUDITOR);
    const { chain } = await cubeWithEntries(t, 3);
    const r = await verify(t);
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.chains.map((c) => c.chain).sort()).toEqual(["tenant", chain].sort());
    expect(r.body.chains.every((c) => c.ok && c.entries > 0)).toBe(true);
  });

  it("names an entry whose action was changed in D1", async () => {
    const t = await newTenant(AUDITOR);
    const { chain: cube } = await cubeWithEntries(t, 4);
    await env.DB.prepare("UPDATE audit_entries SET action = 'memory.read' WHERE tenant_id = ? AND chain = ? AND seq = 2").bind(t.id, cube).run();
    expect((await verify(t, cube)).body.chains).toEqual([{ chain: cube, ok: false, entries: 4, first_bad_seq: 2, reason: "changed" }]);
    expect((await verify(t)).body.ok).toBe(false);
  });

  it("names a deleted middle entry as removed", async () => {
    const t = await newTenant(AUDITOR);
    const { chain: cube } = await cubeWithEntries(t, 4);
    await env.DB.prepare("DELETE FROM audit_entries WHERE tenant_id = ? AND chain = ? AND seq = 3").bind(t.id, cube).run();
    expect((await verify(t, cube)).body.chains[0]).toMatchObject({ ok: false, first_bad_seq: 3, reason: "removed" });
  });

  it("names a deleted tail as removed, against the cube's own head", async () => {
    const t = await newTenant(AUDITOR);
    const { chain: cube } = await cubeWithEntries(t, 4);
    await env.DB.prepare("DELETE FROM audit_entries WHERE tenant_id = ? AND chain = ? AND seq = 4").bind(t.id, cube).run();
    expect((await verify(t, cube)).body.chains[0]).toMatchObject({ ok: false, entries: 3, first_bad_seq: 4, reason: "removed" });
  });

  it("names two entries whose seqs were swapped as reordered, at the lower seq", async () => {
    const t = await newTenant(AUDITOR);
    const { chain: cube } = await cubeWithEntries(t, 4);
    const swap = (from: number, to: number) => env.DB.prepare("UPDATE audit_entries SET seq = ? WHERE tenant_id = ? AND chain = ? AND seq = ?").bind(to, t.id, cube, from).run();
    await swap(1, -1);
    await swap(3, 1);
    await swap(-1, 3);
    expect((await verify(t, cube)).body.chains[0]).toMatchObject({ ok: false, first_bad_seq: 1, reason: "reordered" });
  });

  it("finds a tampered tenant chain", async () => {
    const t = await newTenant(["admin"]);
    await api(t, "POST", "/v1/keys", { name: "k", scopes: ["memories:read"] });
    await env.DB.prepare("UPDATE audit_entries SET key_id = 'key_forged' WHERE tenant_id = ? AND chain = 'tenant' AND seq = 1").bind(t.id).run();
    expect((await verify(t, "tenant")).body.chains[0]).toMatchObject({ ok: false, first_bad_seq: 1, reason: "changed" });
  });
});

describe("a retried verify", () => {
  it("replays the first answer under the same Idempotency-Key and refuses the key for another body", async () => {
    const t = await newTenant(AUDITOR);
    const { cube, chain } = await cubeWithEntries(t, 1);
    const first = await api<{ chains: Verdict[] }>(t, "POST", "/v1/audit/verify", { chain }, { "idempotency-key": "verify-1" });
    expect(first.body.chains).toEqual([{ chain, ok: true, entries: 1 }]);
    await remember(t, { cube_id: cube, text: "one more" });
    const again = await api<{ chains: Verdict[] }>(t, "POST", "/v1/audit/verify", { chain }, { "idempotency-key": "verify-1" });
    expect(again.body).toEqual(first.body);
    expect((await verify(t, chain)).body.chains[0]?.entries).toBe(2);
    expect((await api(t, "POST", "/v1/audit/verify", {}, { "idempotency-key": "verify-1" })).status).toBe(409);
  });
});

describe("deleting a cube", () => {
  it("keeps the cube's audit entries in D1, verifiable against the head its deletion recorded; a cube made again starts a new chain", async () => {
    const t = await newTenant(AUDITOR);
    const cube = uniq("team");
    expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "team" })).status).toBe(201);
    const id = await remember(t, { cube_id: cube, text: "the team meets on Mondays" });
    expect((await api(t, "GET", `/v1/memories/${id}`)).status).toBe(200);
    // Not drained on purpose: the delete itself must send the entries to D1 first.
    expect((await api(t, "DELETE", `/v1/cubes/${cube}`)).status).toBe(200);
    const kept = await rows(t.id, cube);
    expect(kept.map((r) => r.action)).toEqual(["memory.add", "memory.read"]);
    const chain = kept[0]?.chain as string;
    const deletion = (await rows(t.id, "tenant")).find((r) => r.action === "cube.delete");
    expect(JSON.parse(deletion?.target_ids ?? "[]")).toEqual([cube, chain, `head:2:${kept[1]?.hash}`]);
    expect((await verify(t, chain)).body.chains).toEqual([{ chain, ok: true, entries: 2 }]);

    // The deleted cube's last entry is known from its deletion: removing it from D1 shows.
    await env.DB.prepare("DELETE FROM audit_entries WHERE tenant_id = ? AND chain = ? AND seq = 2").bind(t.id, chain).run();
    expect((await verify(t, chain)).body.chains[0]).toMatchObject({ ok: false, entries: 1, first_bad_seq: 2, reason: "removed" });
    const last = kept[1] as Row;
    await env.DB.prepare("INSERT INTO audit_entries (tenant_id, chain, seq, at, key_id, request_id, action, target_ids, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(last.tenant_id, last.chain, last.seq, last.at, last.key_id, last.request_id, last.action, last.target_ids, last.prev_hash, last.hash)
      .run();
    expect((await verify(t, chain)).body.ok).toBe(true);

    // The object holds nothing of the deleted cube; a cube made again under the id has a chain of its own.
    expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "team again" })).status).toBe(201);
    await remember(t, { cube_id: cube, text: "the team meets on Tuesdays now" });
    await drain(t.id, cube);
    const chains = await chainsOf(t.id, cube);
    expect(chains).toHaveLength(2);
    expect(chains[0]).toBe(chain);
    expect((await rows(t.id, chains[1])).map((r) => [r.seq, r.action])).toEqual([[1, "memory.add"]]);
    expect((await rows(t.id, chain))).toHaveLength(2);
    const all = await verify(t);
    expect(all.body.ok).toBe(true);
    expect(all.body.chains.map((c) => c.chain).sort()).toEqual([...chains, "tenant"].sort());
    const byCube = await api<{ entries: Entry[] }>(t, "GET", `/v1/audit?cube_id=${cube}`);
    expect(byCube.body.entries.map((e) => e.chain)).toEqual([chains[1], chain, chain]);
  });
});

describe("audit of reads outside a cube", () => {
  it("records a tenant-wide listing (served from D1) and a tenant-wide search with the caller's key", async () => {
    const t = await newTenant(["memories:read", "memories:write", "audit:read"]);
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann keeps bees", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    await runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`)));
    expect((await api<{ memories: Array<{ id: string }> }>(t, "GET", "/v1/memories", undefined, { "x-request-id": "req-wide-list" })).body.memories.map((m) => m.id)).toContain(id);
    await api(t, "POST", "/v1/search", { query: "bees" }, { "x-request-id": "req-wide-search" });
    await runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`)));
    const rows = await env.DB.prepare("SELECT key_id, request_id, action, target_ids FROM audit_entries WHERE tenant_id = ? AND request_id IN ('req-wide-list', 'req-wide-search')").bind(t.id).all<{ key_id: string | null; request_id: string; action: string; target_ids: string }>();
    const byRequest = Object.fromEntries(rows.results.map((r) => [r.request_id, r]));
    expect(byRequest["req-wide-list"]).toMatchObject({ action: "memory.list" });
    expect(JSON.parse(byRequest["req-wide-list"]?.target_ids ?? "[]")).toContain(id);
    expect(byRequest["req-wide-search"]).toMatchObject({ action: "memory.search" });
    expect(byRequest["req-wide-search"]?.key_id).toMatch(/^key_/);
    expect(byRequest["req-wide-list"]?.key_id).toBe(byRequest["req-wide-search"]?.key_id);
  });
});
