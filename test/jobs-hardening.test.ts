// Extraction jobs under stress: candidates past the cube's limits, a sync job that fails, a consumer
// that dies mid-run, and a model provider that refuses connections.
import { describe, expect, it } from "vitest";
import { createExecutionContext, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { api, BASE, newTenant, storedJob, uniq, type Tenant, waitForJob, type Job } from "./helpers";
import worker from "../src/index";
import { cubeStub } from "../src/services/cubes";
import type { Env } from "../src/env";

interface Mem { id: string; text: string; entities: string[] }
type Err = { error: { code: string; message: string; details?: { job_id?: string } } };

/** The Worker with other settings than the test config: a model provider that refuses connections. */
const offlineModel: Env = { ...env, EMBEDDER: "openai", OPENAI_BASE_URL: "http://127.0.0.1:9/v1", EMBEDDING_DIMENSIONS: "8" };

async function fetchWith(e: Env, t: Tenant, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Err & Record<string, unknown> }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, { method, headers: { ...t.auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
    e,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Err & Record<string, unknown> };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `Person${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`);

describe("candidates past the cube's limits", () => {
  it("keeps every good memory of a batch in which one message yields a text, entity list or entity too large", async () => {
    const t = await newTenant();
    const user = uniq("u");
    // "I" becomes "Bartholomew" when the speaker is resolved: the rewritten text outgrows 16,000 characters.
    const long = "I think I can and I will, I said. ".repeat(460).trim();
    expect(long.length).toBeLessThanOrEqual(16_000);
    const crowd = `I met ${names(70).join(", ")} at the fair.`;
    const title = `I visited ${Array.from({ length: 40 }, (_, i) => `Grand${i}hall`).join(" ")} yesterday.`;
    const r = await api<{ job: Job; memories: Mem[] }>(t, "POST", "/v1/memories", {
      user_id: user,
      sync: true,
      messages: [
        { role: "user", name: "Ann", content: "I adopted a cat named Miso.", timestamp: "2024-06-01T10:00:00Z" },
        { role: "user", name: "Bartholomew", content: long, timestamp: "2024-06-01T10:01:00Z" },
        { role: "user", name: "Ann", content: crowd, timestamp: "2024-06-01T10:02:00Z" },
        { role: "user", name: "Ann", content: title, timestamp: "2024-06-01T10:03:00Z" },
      ],
    });
    expect(r.status).toBe(201);
    expect(r.body.job.state).toBe("succeeded");
    const list = await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}&limit=200`);
    const texts = list.body.memories.map((m) => m.text);
    expect(texts.some((x) => /Miso/.test(x))).toBe(true);
    expect(texts.some((x) => /Bartholomew/.test(x))).toBe(true);
    expect(texts.some((x) => /PersonAA/.test(x))).toBe(true);
    for (const m of list.body.memories) {
      expect(m.text.length).toBeLessThanOrEqual(16_000);
      expect(m.entities.length).toBeLessThanOrEqual(64);
      for (const e of m.entities) expect(e.length).toBeLessThanOrEqual(200);
    }
  });

  it("skips a candidate the cube refuses with its reason in the job's report, keeping the rest", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { identity, jobId } = await storedJob(t, user);
    const cube = cubeStub(env, identity);
    const item = (text: string, entities: string[]) => ({
      user_id: user, agent_id: null, session_id: null, text, type: "fact" as const, tags: [], entities, metadata: {}, importance: 0.5,
      event_time: null, valid_from: null, source_message_ids: [], hash: "a".repeat(64), vector: null,
    });
    const done = await cube.completeJob({ identity, job_id: jobId, embedder: "local-hash-v1", items: [item("Ann adopted Miso.", ["Ann"]), item("x".repeat(16_001), []), item("Ann likes tea.", names(65))] });
    expect(done.ok).toBe(true);
    if (!done.ok) return;
    expect(done.value.state).toBe("succeeded");
    expect(done.value.result?.added).toBe(1);
    const rejected = (done.value.result?.detail as { rejected?: Array<{ index: number; reason: string }> }).rejected ?? [];
    expect(rejected.map((r) => r.index)).toEqual([1, 2]);
    expect(rejected[0]?.reason).toMatch(/text/);
    expect(rejected[1]?.reason).toMatch(/entities/);
  });
});

describe("a sync job that fails", () => {
  it("is marked failed, answers 503, and its messages run again when sent again", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "cube exists", infer: false });
    const body = { user_id: user, sync: true, messages: [{ role: "user", name: "Ann", content: "I moved to Lisbon in May.", timestamp: "2024-06-01T10:00:00Z" }] };
    const failed = await fetchWith(offlineModel, t, "POST", "/v1/memories", body);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe("upstream_unavailable");
    const jobs = await env.DB.prepare("SELECT id FROM jobs WHERE tenant_id = ? AND cube_id = ?").bind(t.id, `user:${user}`).all<{ id: string }>();
    expect(jobs.results).toHaveLength(1);
    const job = (await api<Job>(t, "GET", `/v1/jobs/${(jobs.results[0] as { id: string }).id}`)).body;
    expect(job.state).toBe("failed");
    expect(job.error).toMatch(/openai/);

    const again = await api<{ job: Job; memories: Mem[]; replayed: number }>(t, "POST", "/v1/memories", body);
    expect(again.status).toBe(201);
    expect(again.body.replayed).toBe(0);
    expect(again.body.job.id).not.toBe(job.id);
    expect(again.body.job.state).toBe("succeeded");
    expect(again.body.memories.some((m) => /Lisbon/.test(m.text))).toBe(true);
    // One copy of the message is kept, under the job that ran it.
    const copies = await runInDurableObject(env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`)), (_c, state) =>
      state.storage.sql.exec<{ job_id: string }>("SELECT job_id FROM messages").toArray().map((r) => r.job_id),
    );
    expect(copies).toEqual([again.body.job.id]);
  });
});

describe("a consumer that dies mid-run", () => {
  it("leaves a job whose lease runs out, which the cube's alarm hands to the queue again", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const identity = { tenant_id: t.id, cube_id: `user:${user}` };
    const r = await api<{ job: Job }>(t, "POST", "/v1/memories", { user_id: user, messages: [{ role: "user", name: "Ann", content: "I keep bees on the roof." }] });
    const jobId = r.body.job.id;
    await waitForJob(t, jobId, (j) => j.state === "succeeded");
    // Another job, taken by a consumer that is then killed: it started, and never reported back.
    const cube = cubeStub(env, identity);
    const { jobId: lost } = await storedJob(t, user, "I sold forty jars of honey.");
    expect((await cube.startJob(identity, lost)).ok).toBe(true);
    expect((await api<Job>(t, "GET", `/v1/jobs/${lost}`)).body.state).toBe("running");
    // The lease runs out (time moved on past it).
    await runInDurableObject(env.CUBE.get(env.CUBE.idFromName(`${t.id}/${identity.cube_id}`)), (_c, state) => {
      state.storage.sql.exec("UPDATE jobs SET lease_until = ? WHERE id = ?", Date.now() - 1, lost);
    });
    expect(await runDurableObjectAlarm(env.CUBE.get(env.CUBE.idFromName(`${t.id}/${identity.cube_id}`)))).toBe(true);
    const done = await waitForJob(t, lost, (j) => j.state === "succeeded");
    expect(done.attempts).toBe(2);
    const list = await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(list.body.memories.some((m) => /honey/.test(m.text))).toBe(true);
  });
});

describe("a model provider that refuses connections", () => {
  it("answers 503 upstream_unavailable with Retry-After on search and add, and stores nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann drinks tea", infer: false });
    for (const [path, body] of [
      ["/v1/search", { query: "tea", user_id: user }],
      ["/v1/context", { query: "tea", user_id: user }],
      ["/v1/memories", { user_id: user, text: "never stored", infer: false }],
    ] as const) {
      const r = await fetchWith(offlineModel, t, "POST", path, body);
      expect(r.status, path).toBe(503);
      expect(r.body.error.code).toBe("upstream_unavailable");
      expect(r.headers.get("retry-after")).toBe("5");
      // The upstream's own words stay in the log.
      expect(r.body.error.message).not.toMatch(/127\.0\.0\.1/);
    }
    const list = await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(list.body.memories.map((m) => m.text)).toEqual(["Ann drinks tea"]);
  });
});
