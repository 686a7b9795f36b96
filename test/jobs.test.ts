// Inferred adds run as queue jobs: the real local queue, retries, and the dead-letter queue.
import { describe, expect, it } from "vitest";
import { createExecutionContext, createMessageBatch, env, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, newTenant, storedJob, uniq, type Tenant, waitForJob, type Job } from "./helpers";
import worker from "../src/index";
import type { JobMessage } from "../src/jobs/messages";
import { cubeStub } from "../src/services/cubes";
import { d1JobRegistry } from "../src/services/jobs";
import { contentHash } from "../src/memory/text";


/** Raw messages stored in a user's cube. */
const messageCount = (t: Tenant, user: string) =>
  runInDurableObject(env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`)), (_c, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n);

describe("jobs", () => {
  it("answers 202 with a job that the queue consumer runs to success", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const r = await api<{ job: Job }>(t, "POST", "/v1/memories", {
      user_id: user,
      messages: [
        { role: "user", name: "Ann", content: "I moved to Lisbon last year.", timestamp: "2024-05-01T10:00:00Z" },
        { role: "assistant", content: "Lisbon is lovely." },
      ],
    });
    expect(r.status).toBe(202);
    expect(r.body.job.state).toBe("queued");
    const done = await waitForJob(t, r.body.job.id, (j) => j.state === "succeeded");
    expect(done.result?.memory_ids.length).toBeGreaterThan(0);
    const list = await api<{ memories: Array<{ text: string; source_message_ids: string[] }> }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(list.body.memories.some((m) => /Lisbon/.test(m.text) && m.source_message_ids.length > 0)).toBe(true);
  });

  it("runs inline with sync:true and returns the memories", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const r = await api<{ job: Job; memories: Array<{ text: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "My favourite colour is teal.", sync: true });
    expect(r.status).toBe(201);
    expect(r.body.job.state).toBe("succeeded");
    expect(r.body.memories.some((m) => /teal/.test(m.text))).toBe(true);
  });

  it("is idempotent: the same job message processed twice stores its memories once", async () => {
    const t = await newTenant();
    const { identity, message } = await storedJob(t, uniq("u"));
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch<JobMessage>("memos-jobs", [{ id: `m${i}`, timestamp: new Date(), attempts: 1, body: message }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`m${i}`]);
    }
    const stats = await cubeStub(env, identity).stats(identity);
    expect(stats.ok && stats.value.memories.active).toBe(1 + 1); // the setup memory plus the job's one
  });

  it("forgets a scope's raw messages with its memories; a job that ran meanwhile brings nothing back", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { identity, jobId } = await storedJob(t, user);
    const messages = () => messageCount(t, user);
    expect(await messages()).toBe(1);
    // A consumer takes the job, then the user's scope is deleted before it reports back.
    const started = await cubeStub(env, identity).startJob(identity, jobId);
    if (!started.ok) throw new Error(started.error.message);
    const said = started.value.messages[0]!;
    expect((await api(t, "DELETE", `/v1/memories?user_id=${user}`)).status).toBe(200);
    expect(await messages()).toBe(0);
    const text = "Ann adopted a cat named Miso.";
    const item = {
      user_id: user, agent_id: null, session_id: null, text, type: "fact" as const, tags: [], entities: ["Ann"], metadata: {}, importance: 0.5,
      event_time: null, valid_from: said.timestamp, source_message_ids: [said.id], hash: await contentHash(text), vector: null,
    };
    const done = await cubeStub(env, identity).completeJob({ identity, job_id: jobId, embedder: "local-hash-v1", items: [item] });
    expect(done.ok && done.value.state).toBe("succeeded");
    expect(done.ok && done.value.result?.memory_ids).toEqual([]);
    const stats = await cubeStub(env, identity).stats(identity);
    expect(stats.ok && stats.value.memories.active).toBe(0);
  });

  it("keeps the raw messages when a delete picks only some memories of a scope (by tag)", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { identity } = await storedJob(t, user);
    const res = await cubeStub(env, identity).deleteScope(identity, { user_id: user, tags: ["nothing-has-this"] });
    expect(res.ok).toBe(true);
    expect(await messageCount(t, user)).toBe(1);
  });

  it("retries a failing job, then dead-letters it with its error visible", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { identity, jobId, message } = await storedJob(t, user);
    // Corrupt the stored job so that every attempt throws, as a poison job would.
    await runInDurableObject(env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`)), (_c, state) => {
      state.storage.sql.exec("UPDATE jobs SET options = '{broken' WHERE id = ?", jobId);
    });
    const batch = createMessageBatch<JobMessage>("memos-jobs", [{ id: "p1", timestamp: new Date(), attempts: 1, body: message }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["p1"]);
    expect(result.explicitAcks).toEqual([]);
    const retrying = await api<Job>(t, "GET", `/v1/jobs/${jobId}`);
    expect(retrying.body.state).toBe("queued");
    expect(retrying.body.error).toMatch(/JSON|Unexpected|Expected/i);

    const dlq = createMessageBatch<JobMessage>("memos-jobs-dlq", [{ id: "d1", timestamp: new Date(), attempts: 4, body: message }]);
    const dctx = createExecutionContext();
    await worker.queue(dlq, env);
    expect((await getQueueResult(dlq, dctx)).explicitAcks).toEqual(["d1"]);
    const dead = await api<Job>(t, "GET", `/v1/jobs/${jobId}`);
    expect(dead.body.state).toBe("failed");
    expect(dead.body.error).toMatch(/dead-lettered/);
    expect(dead.body.error).toMatch(/JSON|Unexpected|Expected/i);
  });

  it("acknowledges a job message whose cube was deleted since, instead of retrying it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { message } = await storedJob(t, user);
    expect((await api(t, "DELETE", `/v1/cubes/user:${user}`)).status).toBe(200);
    const batch = createMessageBatch<JobMessage>("memos-jobs", [{ id: "g1", timestamp: new Date(), attempts: 1, body: message }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["g1"]);
    expect(result.retryMessages).toEqual([]);
    // Nothing came back to life in the deleted cube's place.
    expect(await env.DB.prepare("SELECT 1 AS x FROM cubes WHERE tenant_id = ? AND id = ?").bind(t.id, `user:${user}`).first()).toBeNull();
  });

  it("drops a malformed queue message instead of retrying it forever", async () => {
    const batch = createMessageBatch("memos-jobs", [{ id: "x1", timestamp: new Date(), attempts: 1, body: { nonsense: true } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["x1"]);
  });

  it("re-sends a job whose queue message was lost, from the cube's alarm", async () => {
    const t = await newTenant();
    const { identity, jobId } = await storedJob(t, uniq("u"));
    const stub = env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`));
    // Nothing was ever sent for this job; make it look stale and let the alarm notice.
    await runInDurableObject(stub, (_c, state) => {
      state.storage.sql.exec("UPDATE jobs SET created_at = created_at - 600000 WHERE id = ?", jobId);
    });
    expect((await api<Job>(t, "GET", `/v1/jobs/${jobId}`)).body.state).toBe("queued");
    await runDurableObjectAlarm(stub);
    const done = await waitForJob(t, jobId, (j) => j.state === "succeeded");
    expect(done.result?.memory_ids.length).toBeGreaterThan(0);
  });

  it("answers 404 for an unknown job", async () => {
    const t = await newTenant();
    expect((await api(t, "GET", "/v1/jobs/job_nope")).status).toBe(404);
  });
});
