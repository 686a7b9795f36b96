// A second tenant tries every route on the first tenant's data and reaches nothing.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { api, newTenant, uniq } from "./helpers";
import { cubeStub } from "../src/services/cubes";

type Err = { error: { code: string } };

describe("tenant isolation", () => {
  it("keeps every route of tenant A out of tenant B's reach", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const user = uniq("victim");
    const added = await api<{ memories: Array<{ id: string }> }>(a, "POST", "/v1/memories", { user_id: user, text: "A's secret: the vault code is 4711", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    const cube = await api<{ id: string }>(a, "POST", "/v1/cubes", { name: "team" });
    const job = await api<{ job: { id: string } }>(a, "POST", "/v1/memories", { user_id: user, text: "job text", infer: true });
    // Let the catalog catch up, so that tenant-wide lookups by id would find the memory if they could.
    await runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${a.id}/user:${user}`)));

    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/v1/memories/${id}`],
      ["GET", `/v1/memories/${id}?user_id=${user}`],
      ["GET", `/v1/memories/${id}?cube_id=user:${user}`],
      ["GET", `/v1/memories/${id}/history`],
      ["PATCH", `/v1/memories/${id}`, { text: "pwned" }],
      ["PATCH", `/v1/memories/${id}?user_id=${user}`, { text: "pwned" }],
      ["DELETE", `/v1/memories/${id}`],
      ["DELETE", `/v1/memories/${id}?user_id=${user}`],
      ["DELETE", `/v1/memories?user_id=${user}`],
      ["GET", `/v1/memories?user_id=${user}`],
      ["GET", `/v1/memories?cube_id=${cube.body.id}`],
      ["GET", `/v1/cubes/${cube.body.id}`],
      ["GET", `/v1/jobs/${job.body.job.id}`],
      ["POST", "/v1/search", { query: "vault code", user_id: user }],
      ["POST", "/v1/search", { query: "vault code", cube_id: `user:${user}` }],
    ];
    for (const [method, path, body] of attempts) {
      const r = await api<Err>(b, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe("not_found");
    }
    // Tenant-wide reads of B see none of A's data.
    const list = await api<{ memories: unknown[] }>(b, "GET", "/v1/memories");
    expect(list.body.memories).toEqual([]);
    const wide = await api<{ results: unknown[] }>(b, "POST", "/v1/search", { query: "vault code" });
    expect(wide.body.results).toEqual([]);
    const cubes = await api<{ cubes: unknown[] }>(b, "GET", "/v1/cubes");
    expect(cubes.body.cubes).toEqual([]);
    // And A's memory is untouched.
    const still = await api<{ text: string; version: number }>(a, "GET", `/v1/memories/${id}?user_id=${user}`);
    expect(still.body).toMatchObject({ text: "A's secret: the vault code is 4711", version: 1 });
  });

  it("never lets a cube object serve another identity than the one it was opened with", async () => {
    const t = await newTenant();
    const identity = { tenant_id: t.id, cube_id: "user:owner" };
    const stub = cubeStub(env, identity);
    expect((await stub.stats(identity)).ok).toBe(true);
    const forged = await stub.stats({ tenant_id: "tnt_other", cube_id: "user:owner" });
    expect(forged).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });

  it("refuses ill-typed arguments on every positional cube method, changing nothing", async () => {
    const t = await newTenant();
    const identity = { tenant_id: t.id, cube_id: "user:typed" };
    const stub = cubeStub(env, identity);
    const added = await stub.addMemories({ identity, embedder: "none", items: [{ user_id: "typed", agent_id: null, session_id: null, text: "kept", type: "note", tags: [], entities: [], metadata: {}, importance: 0.5, event_time: null, source_message_ids: [], hash: "b".repeat(64), vector: null }] });
    expect(added.ok).toBe(true);
    // Arguments as a careless or hostile caller of the RPC surface might send them.
    const loose = stub as unknown as Record<string, (...a: unknown[]) => Promise<{ ok: boolean; error?: { code: string } }>>;
    const calls: Array<[string, unknown[]]> = [
      ["getMemory", [identity, 42]],
      ["getMemory", [identity, "x".repeat(5_000)]],
      ["history", [identity, { id: "mem" }]],
      ["getJob", [identity, null]],
      ["getJobs", [identity, "job_x"]],
      ["getJobs", [identity, Array.from({ length: 201 }, (_, i) => `job_${i}`)]],
      ["startJob", [identity, ["job"]]],
      ["failJob", [identity, "job_x", 7, true]],
      ["failJob", [identity, "job_x", "err", "yes"]],
      ["entities", [identity, "10", null]],
      ["entities", [identity, 10_000, null]],
      ["planJob", [identity, 5, []]],
      ["deleteMemory", [identity, 3]],
      ["deleteMemory", [identity, "mem_x", { key: "" }]],
      ["deleteScope", [identity, {}, { key: 5 }]],
      ["deleteScope", [identity, { user_id: "bad id" }]],
    ];
    for (const [method, args] of calls) {
      const r = await (loose[method] as (...a: unknown[]) => Promise<{ ok: boolean; error?: { code: string } }>)(...args);
      expect(r.ok, `${method}(${JSON.stringify(args.slice(1))})`).toBe(false);
      expect(r.error?.code, method).toBe("invalid_request");
    }
    const stats = await stub.stats(identity);
    expect(stats.ok && stats.value.memories.active).toBe(1);
  });

  it("writes to a user's cube create it in the caller's tenant only", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await api(a, "POST", "/v1/memories", { user_id: "shared-name", text: "A's", infer: false });
    await api(b, "POST", "/v1/memories", { user_id: "shared-name", text: "B's", infer: false });
    const la = await api<{ memories: Array<{ text: string }> }>(a, "GET", "/v1/memories?user_id=shared-name");
    const lb = await api<{ memories: Array<{ text: string }> }>(b, "GET", "/v1/memories?user_id=shared-name");
    expect(la.body.memories.map((m) => m.text)).toEqual(["A's"]);
    expect(lb.body.memories.map((m) => m.text)).toEqual(["B's"]);
  });
});
