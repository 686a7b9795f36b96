// The skill job's edges in workerd: a sync extraction still mines on the queue, a poison run retries then dead-letters without touching its extraction job, skill.created reaches the webhook log.
import { describe, expect, it } from "vitest";
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import worker from "../src/index";
import { api, newTenant, storedJob, uniq, waitForJob, type Job } from "./helpers";
import { runExtractJob } from "../src/jobs/run-extract";
import { depsFromEnv } from "../src/services/deps";
import type { JobMessage } from "../src/jobs/messages";
import type { SkillRunReport } from "../src/memory/skills-contract";
import { runSkillJob } from "../src/jobs/run-skill";
import { cubeStub } from "../src/services/cubes";
import { d1JobRegistry } from "../src/services/jobs";
import type { LLM, LlmRequest } from "../src/providers/llm";

const skillsOf = (j: Job) => j.result?.detail?.skills as SkillRunReport | undefined;

describe("the skill job", () => {
  it("follows a sync extraction on the queue: the request answers at once, the skill comes after", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const r = await api<{ job: Job }>(t, "POST", "/v1/memories", {
      user_id: user,
      sync: true,
      messages: [
        { role: "user", content: "How do I rotate the staging database password?" },
        { role: "assistant", content: "1. Generate a new password in the vault\n2. Update the staging database user\n3. Restart the staging app servers" },
        { role: "user", content: "Worked, thanks!" },
      ],
    });
    expect(r.status).toBe(201);
    const done = await waitForJob(t, r.body.job.id, (j) => skillsOf(j)?.state === "succeeded");
    expect(skillsOf(done)?.created).toBe(1);
    const list = await api<{ skills: Array<{ name: string; source_memory_ids: string[] }> }>(t, "GET", `/v1/skills?user_id=${user}`);
    expect(list.body.skills).toHaveLength(1);
    expect(list.body.skills[0]?.source_memory_ids).toEqual(expect.arrayContaining(done.result?.memory_ids ?? []));
  });

  it("a failing run is retried, then dead-lettered with its error; the extraction job stays succeeded", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { identity, jobId, message } = await storedJob(t, user, "First open the console, then restart the worker, finally check the logs.");
    await runExtractJob(depsFromEnv(env), message);
    // A message whose stored tool calls cannot be read makes every run throw, as a poison run would.
    await runInDurableObject(env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`)), (_c, state) => {
      state.storage.sql.exec("UPDATE messages SET tool_calls = '{broken' WHERE job_id = ?", jobId);
    });
    const skill: JobMessage = { kind: "skill", job_id: jobId, identity };
    const batch = createMessageBatch<JobMessage>("memos-jobs", [{ id: "s1", timestamp: new Date(), attempts: 1, body: skill }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).retryMessages.map((m) => m.msgId)).toEqual(["s1"]);
    const retrying = (await api<Job>(t, "GET", `/v1/jobs/${jobId}`)).body;
    expect(retrying.state).toBe("succeeded");
    expect(skillsOf(retrying)).toMatchObject({ state: "queued", attempts: 1 });
    expect(skillsOf(retrying)?.error).toMatch(/JSON|Unexpected|Expected/i);

    const dlq = createMessageBatch<JobMessage>("memos-jobs-dlq", [{ id: "d1", timestamp: new Date(), attempts: 4, body: skill }]);
    const dctx = createExecutionContext();
    await worker.queue(dlq, env);
    expect((await getQueueResult(dlq, dctx)).explicitAcks).toEqual(["d1"]);
    const dead = (await api<Job>(t, "GET", `/v1/jobs/${jobId}`)).body;
    expect(dead.state).toBe("succeeded");
    expect(dead.error).toBeNull();
    expect(skillsOf(dead)?.state).toBe("failed");
    expect(skillsOf(dead)?.error).toMatch(/dead-lettered/);
  });

  it("announces skill.created to a subscription with the skill's id and name only", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const sub = await api<{ id: string }>(t, "POST", "/v1/webhooks", { url: "http://127.0.0.1:9/hook", events: ["skill.created"] });
    expect(sub.status).toBe(201);
    const user = uniq("u");
    const created = await api<{ skill: { id: string } }>(t, "POST", "/v1/skills", {
      user_id: user,
      skill: { name: "close-ticket", description: "Close a support ticket with a secret-ish note.", steps: [{ text: "Write the resolution" }, { text: "Close the ticket" }] },
    });
    expect(created.status).toBe(201);
    let rows: Array<{ event_type: string; payload: string }> = [];
    for (let i = 0; i < 100 && rows.length === 0; i++) {
      rows = (await env.DB.prepare("SELECT event_type, payload FROM webhook_deliveries WHERE tenant_id = ? AND event_type = 'skill.created'").bind(t.id).all<{ event_type: string; payload: string }>()).results;
      if (rows.length === 0) await new Promise((res) => setTimeout(res, 100));
    }
    expect(rows).toHaveLength(1);
    const payload = JSON.parse(rows[0]?.payload ?? "{}") as { data: { skill: Record<string, unknown> } };
    expect(payload.data.skill).toEqual({ id: created.body.skill.id, name: "close-ticket", cube_id: `user:${user}` });
    expect(rows[0]?.payload).not.toContain("secret-ish");
  });

  it("in fine mode mines with the configured LLM, which sees only desensitized messages", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const identity = { tenant_id: t.id, cube_id: `user:${user}` };
    await api(t, "POST", "/v1/memories", { user_id: user, text: "cube exists", infer: false });
    const jobId = `job_${crypto.randomUUID().replace(/-/g, "")}`;
    await d1JobRegistry(env.DB, env.JOBS).register(identity, jobId);
    const scope = { user_id: user, agent_id: null, session_id: null };
    const added = await cubeStub(env, identity).addMessages({
      identity,
      job_id: jobId,
      mode: "fine",
      options: { ...scope, tags: [], metadata: {} },
      messages: [
        { ...scope, role: "user", name: null, content: "How do I give mia.k@example.com access to the billing board?", timestamp: Date.now() },
        { ...scope, role: "assistant", name: null, content: "First open the board settings, then invite the address, finally set the role to viewer.", timestamp: Date.now() },
      ],
    });
    expect(added.ok).toBe(true);
    const deps = depsFromEnv(env);
    await runExtractJob(deps, { kind: "extract", job_id: jobId, identity });
    const prompts: LlmRequest[] = [];
    const llm: LLM = {
      id: "scripted:skills",
      async complete(req) {
        prompts.push(req);
        const ids = [...(req.messages[0]?.content ?? "").matchAll(/\[(msg_[0-9A-Z]+)\]/g)].map((m) => m[1] as string);
        const skill = {
          name: "grant-board-access",
          description: "Give someone viewer access to a board.",
          when_to_use: "When a user asks for board access for someone",
          parameters: [{ name: "email", type: "string", description: "who gets access", required: true }],
          steps: [
            { text: "Open the board settings", tool: null, condition: null },
            { text: "Invite {email}", tool: null, condition: null },
            { text: "Set the role of {email} to viewer", tool: null, condition: null },
          ],
          preconditions: [],
          examples: [],
          source_ids: ids,
        };
        return { text: JSON.stringify({ skills: [skill] }) };
      },
    };
    const out = await runSkillJob({ ...deps, llm }, { kind: "skill", job_id: jobId, identity });
    expect(out.report).toMatchObject({ state: "succeeded", created: 1, detail: { miner: "llm", llm: "scripted:skills", outcome: "ok" } });
    expect(prompts).toHaveLength(1);
    const seen = JSON.stringify(prompts[0]);
    expect(seen).not.toContain("mia.k@example.com");
    expect(seen).toContain("[EMAIL_");
    const list = await api<{ skills: Array<{ name: string; source_message_ids: string[] }> }>(t, "GET", `/v1/skills?user_id=${user}`);
    expect(list.body.skills.map((s) => s.name)).toEqual(["grant-board-access"]);
    expect(list.body.skills[0]?.source_message_ids).toHaveLength(2);
  });
});
