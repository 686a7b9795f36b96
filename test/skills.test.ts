// Mem2Skill end to end in workerd: conversations through the queue become skills that are listed, searched, instantiated, exported, imported, evolved and deleted.
import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, waitForJob, type Job, type Tenant } from "./helpers";
import { runSkillJob } from "../src/jobs/run-skill";
import { depsFromEnv } from "../src/services/deps";
import type { SkillRunReport } from "../src/memory/skills-contract";
import { decrypt } from "../src/governance/envelope";
import { dataKeyVersion } from "../src/services/data-keys";
import { fieldAad } from "../durable-objects/cube/encryption";

interface SkillOut {
  id: string;
  name: string;
  description: string;
  state: string;
  origin: string;
  version: number;
  user_id: string | null;
  agent_id: string | null;
  steps: Array<{ text: string; tool: { name: string; arguments: Record<string, unknown> } | null; condition: string | null }>;
  parameters: { properties: Record<string, { type: string }>; required: string[] };
  source_message_ids: string[];
  source_memory_ids: string[];
  reliability: { successes: number; failures: number; score: number; last_used_at: string | null };
}

const call = (id: string, name: string, args: Record<string, unknown>) => ({ id, type: "function", function: { name, arguments: JSON.stringify(args) } });

/** A user walks an agent through a refund, the agent calling tools. */
function refundConversation(order: string, amount: number, extraStep = false) {
  return [
    { role: "user", content: `Please refund order ${order}, it arrived broken.` },
    { role: "assistant", content: null, tool_calls: [call(`c1${order}`, "lookup_order", { order_id: order })] },
    { role: "tool", tool_call_id: `c1${order}`, content: JSON.stringify({ order_id: order, status: "delivered", total: amount }) },
    { role: "assistant", content: null, tool_calls: [call(`c2${order}`, "issue_refund", { order_id: order, amount })] },
    { role: "tool", tool_call_id: `c2${order}`, content: JSON.stringify({ ok: true, refund_for: order }) },
    ...(extraStep
      ? [
          { role: "assistant", content: null, tool_calls: [call(`c3${order}`, "notify_customer", { order_id: order, channel: "email" })] },
          { role: "tool", tool_call_id: `c3${order}`, content: JSON.stringify({ sent: true, order_id: order }) },
        ]
      : []),
    { role: "assistant", content: `The refund of ${amount} for order ${order} is on its way.` },
    { role: "user", content: `Great, thank you so much for order ${order}!` },
  ];
}

const routerConversation = [
  { role: "user", content: "How do I reset the router password for the office?" },
  {
    role: "assistant",
    content: "Here is how to reset it:\n1. Open the admin console at 192.168.0.1\n2. Log in with the admin account\n3. Go to Settings > Security and choose Reset password\n4. Enter the new password and save",
  },
  { role: "user", content: "That worked, thanks!" },
];

/** Sends a conversation through POST /v1/memories and waits for its extraction and its skill run. */
async function converse(t: Tenant, user: string, messages: unknown[], extra: Record<string, unknown> = {}): Promise<{ job: Job; skills: SkillRunReport }> {
  const r = await api<{ job: Job }>(t, "POST", "/v1/memories", { user_id: user, messages, ...extra });
  expect(r.status).toBe(202);
  const job = await waitForJob(t, r.body.job.id, (j) => j.state === "succeeded" && (j.result?.detail?.skills as SkillRunReport | undefined)?.state === "succeeded");
  return { job, skills: job.result?.detail?.skills as SkillRunReport };
}

async function listSkills(t: Tenant, user: string, query = ""): Promise<SkillOut[]> {
  const r = await api<{ skills: SkillOut[] }>(t, "GET", `/v1/skills?user_id=${user}${query}`);
  expect(r.status).toBe(200);
  return r.body.skills;
}

const cubeOf = (t: Tenant, user: string) => env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`));

describe("skills mined from conversations", () => {
  it("a tool-call conversation becomes one skill through the queue, visible on its job, listed with its sources", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { skills } = await converse(t, user, refundConversation("A-1001", 42));
    expect(skills.created).toBe(1);
    expect(skills.attempts).toBe(1);
    const list = await listSkills(t, user);
    expect(list).toHaveLength(1);
    const [skill] = list as [SkillOut];
    expect(skill.name).toBe("refund-order");
    expect(skill).toMatchObject({ origin: "mined", state: "probationary", version: 1, user_id: user });
    expect(skill.steps.map((s) => s.tool?.name)).toEqual(["lookup_order", "issue_refund"]);
    expect(skill.parameters.required).toEqual(expect.arrayContaining(["order_id", "amount"]));
    expect(skill.source_message_ids.length).toBeGreaterThan(0);
    expect(skills.skill_ids).toEqual([skill.id]);
  });

  it("a text-only procedure (numbered steps, no tool calls) becomes a skill too; small talk makes none", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { skills } = await converse(t, user, routerConversation);
    expect(skills.created).toBe(1);
    const [skill] = (await listSkills(t, user)) as [SkillOut];
    expect(skill.name).toBe("reset-router-password");
    expect(skill.steps).toHaveLength(4);
    expect(skill.steps.every((s) => s.tool === null)).toBe(true);

    const other = uniq("u");
    const chat = await converse(t, other, [
      { role: "user", content: "Hi! The weather is lovely today." },
      { role: "assistant", content: "It really is, enjoy the sunshine." },
    ]);
    expect(chat.skills.created).toBe(0);
    expect(chat.skills.detail.note).toMatch(/no procedural/);
  });

  it("a second similar conversation upgrades the skill to version 2 instead of storing a copy", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await converse(t, user, refundConversation("A-1001", 42));
    const second = await converse(t, user, refundConversation("C-2002", 17, true));
    expect(second.skills.created).toBe(0);
    expect(second.skills.upgraded + second.skills.duplicates).toBe(1);
    const list = await listSkills(t, user);
    expect(list).toHaveLength(1);
    const [skill] = list as [SkillOut];
    expect(skill.version).toBe(2);
    expect(skill.steps.map((s) => s.tool?.name)).toEqual(["lookup_order", "issue_refund", "notify_customer"]);
    const versions = await api<{ versions: Array<{ version: number; reason: string; source: string | null }> }>(t, "GET", `/v1/skills/${skill.id}/versions`);
    expect(versions.body.versions.map((v) => [v.version, v.reason])).toEqual([
      [1, "created"],
      [2, "upgraded"],
    ]);
    expect(versions.body.versions[1]?.source).toBe(second.job.id);
  });

  it("running a skill job again changes nothing (retries are idempotent)", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { job, skills } = await converse(t, user, refundConversation("A-1001", 42));
    const before = await listSkills(t, user);
    const again = await runSkillJob(depsFromEnv(env), { kind: "skill", job_id: job.id, identity: { tenant_id: t.id, cube_id: `user:${user}` } });
    expect(again.report).toMatchObject({ state: "succeeded", created: skills.created, attempts: skills.attempts });
    const after = await listSkills(t, user);
    expect(after).toEqual(before);
  });

  it("masks personal data in tool-call arguments before anything is mined or stored", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const messages = [
      { role: "user", content: "Send the invoice for order Z-9 to jane.doe@example.com please." },
      { role: "assistant", content: null, tool_calls: [call("e1", "send_invoice", { order_id: "Z-9", email: "jane.doe@example.com" })] },
      { role: "tool", tool_call_id: "e1", content: JSON.stringify({ sent: true }) },
      { role: "assistant", content: null, tool_calls: [call("e2", "log_contact", { order_id: "Z-9", note: "invoice sent" })] },
      { role: "tool", tool_call_id: "e2", content: JSON.stringify({ ok: true }) },
      { role: "user", content: "Perfect, thanks!" },
    ];
    await converse(t, user, messages);
    const stored = await runInDurableObject(cubeOf(t, user), (_o, state) => ({
      calls: state.storage.sql.exec<{ tool_calls: string }>("SELECT tool_calls FROM messages WHERE tool_calls IS NOT NULL").toArray().map((r) => r.tool_calls),
      skills: state.storage.sql.exec<{ draft: string }>("SELECT draft FROM skills").toArray().map((r) => r.draft),
    }));
    // Stored sealed (test/encryption.test.ts); opened, they hold the masked arguments.
    expect(stored.calls.length).toBe(2);
    const key = await dataKeyVersion(env, t.id, 1);
    const aad = fieldAad({ tenant_id: t.id, cube_id: `user:${user}` }, "messages.tool_calls");
    const args = (await Promise.all(stored.calls.map((c) => decrypt(key, c, aad)))).join(" ");
    expect(args).not.toContain("jane.doe@example.com");
    expect(args).toContain("[EMAIL_");
    expect(stored.skills.join(" ")).not.toContain("jane.doe@example.com");
  });
});

describe("using skills", () => {
  it("search finds it (skills search and /v1/search), instantiate renders it, bad parameters are listed", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await converse(t, user, refundConversation("A-1001", 42));
    const [skill] = (await listSkills(t, user)) as [SkillOut];

    const found = await api<{ results: Array<{ skill: SkillOut; score: number }> }>(t, "POST", "/v1/skills/search", { user_id: user, query: "refund a broken order" });
    expect(found.status).toBe(200);
    expect(found.body.results[0]?.skill.id).toBe(skill.id);
    const tenantWide = await api<{ results: Array<{ skill: SkillOut }> }>(t, "POST", "/v1/skills/search", { query: "refund order" });
    expect(tenantWide.body.results.map((r) => r.skill.id)).toContain(skill.id);

    const memSearch = await api<{ skills?: Array<{ skill: SkillOut }> }>(t, "POST", "/v1/search", { user_id: user, query: "how to refund an order" });
    expect(memSearch.status).toBe(200);
    expect(memSearch.body.skills?.map((s) => s.skill.id)).toEqual([skill.id]);
    const unrelated = await api<{ skills?: unknown[] }>(t, "POST", "/v1/search", { user_id: user, query: "zebra xylophone" });
    expect(unrelated.body.skills).toBeUndefined();

    const run = await api<{ steps: Array<{ text: string; tool: { name: string; arguments: Record<string, unknown> } | null }>; version: number }>(t, "POST", `/v1/skills/${skill.id}/instantiate`, {
      params: { order_id: "B-7", amount: 10 },
    });
    expect(run.status).toBe(200);
    expect(run.body.steps[1]?.tool).toEqual({ name: "issue_refund", arguments: { order_id: "B-7", amount: 10 } });
    expect(run.body.steps[0]?.text).toContain("B-7");

    const bad = await api<{ error: { code: string; details: Array<{ path: string }> } }>(t, "POST", `/v1/skills/${skill.id}/instantiate`, { params: { order_id: 5, extra: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    const paths = bad.body.error.details.map((d) => d.path).join(" ");
    expect(paths).toContain("order_id");
    expect(paths).toContain("amount");
    expect(paths).toContain("extra");
    const after = await api<SkillOut>(t, "GET", `/v1/skills/${skill.id}`);
    expect(after.body.reliability.last_used_at).not.toBeNull();
  });

  it("feedback moves states: two successes make it active, repeated failures retire it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await converse(t, user, refundConversation("A-1001", 42));
    const [skill] = (await listSkills(t, user)) as [SkillOut];
    const fb = (outcome: string) => api<SkillOut>(t, "POST", `/v1/skills/${skill.id}/feedback`, { outcome });
    expect((await fb("success")).body.state).toBe("probationary");
    const active = await fb("success");
    expect(active.body).toMatchObject({ state: "active", version: 2, reliability: { successes: 2, failures: 0 } });
    for (let i = 0; i < 6; i++) await fb("failure");
    const retired = await fb("failure");
    expect(retired.body.state).toBe("retired");
    expect(retired.body.reliability.score).toBeLessThan(0.3);
    const versions = await api<{ versions: Array<{ reason: string }> }>(t, "GET", `/v1/skills/${skill.id}/versions`);
    expect(versions.body.versions.map((v) => v.reason)).toEqual(["created", "feedback-state-change", "feedback-state-change"]);
    // A retired skill is left out of searches unless asked for.
    const found = await api<{ results: Array<{ skill: SkillOut }> }>(t, "POST", "/v1/skills/search", { user_id: user, query: "refund order" });
    expect(found.body.results).toHaveLength(0);
    const asked = await api<{ results: Array<{ skill: SkillOut }> }>(t, "POST", "/v1/skills/search", { user_id: user, query: "refund order", state: "retired" });
    expect(asked.body.results).toHaveLength(1);
    expect((await api(t, "POST", `/v1/skills/${skill.id}/feedback`, { outcome: "maybe" })).status).toBe(400);
  });

  it("exports as a SKILL.md folder, imports back into another user as an upload with the same steps", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await converse(t, user, refundConversation("A-1001", 42));
    const [skill] = (await listSkills(t, user)) as [SkillOut];
    const folder = await api<{ files: Array<{ path: string; content: string }> }>(t, "GET", `/v1/skills/${skill.id}/export`);
    expect(folder.status).toBe(200);
    const md = folder.body.files.find((f) => f.path.endsWith("SKILL.md"));
    expect(md?.path).toBe("refund-order/SKILL.md");
    expect(md?.content).toMatch(/^---\nname: refund-order\ndescription: /);

    const raw = await fetchText(t, `/v1/skills/${skill.id}/export?format=markdown`);
    expect(raw.type).toContain("text/markdown");
    expect(raw.text).toBe(md?.content);

    const other = uniq("u");
    const imported = await api<{ skill: SkillOut; created: boolean }>(t, "POST", "/v1/skills/import", { user_id: other, text: raw.text });
    expect(imported.status).toBe(201);
    expect(imported.body.skill).toMatchObject({ name: "refund-order", origin: "upload", state: "probationary", version: 1, user_id: other });
    expect(imported.body.skill.steps).toEqual(skill.steps);
    // The same file again is the same skill, not a copy.
    const again = await api<{ skill: SkillOut; created: boolean }>(t, "POST", "/v1/skills/import", { user_id: other, files: folder.body.files });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, skill: { id: imported.body.skill.id } });
    expect(await listSkills(t, other)).toHaveLength(1);
  });

  it("uploads a JSON draft, edits it with expected_version as a new version, and refuses a stale version", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const draft = {
      name: "rotate-api-key",
      description: "Rotate a service's API key without downtime.",
      parameters: { type: "object", properties: { service: { type: "string", description: "ask sec.team@example.com which one" } }, required: ["service"], additionalProperties: false },
      steps: [{ text: "Create a new key for {service}" }, { text: "Deploy {service} with the new key" }, { text: "Revoke the old key of {service}" }],
    };
    const created = await api<{ skill: SkillOut; created: boolean }>(t, "POST", "/v1/skills", { user_id: user, skill: draft });
    expect(created.status).toBe(201);
    const id = created.body.skill.id;
    expect(created.body.skill).toMatchObject({ origin: "upload", state: "probationary", version: 1 });
    expect(JSON.stringify(created.body.skill)).not.toContain("sec.team@example.com");
    const edited = await api<SkillOut>(t, "PATCH", `/v1/skills/${id}`, { description: "Rotate an API key safely, mail ops@example.com after.", expected_version: 1 });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(2);
    expect(edited.body.description).not.toContain("ops@example.com");
    expect(edited.body.description).toContain("[EMAIL_");
    const stale = await api<{ error: { code: string } }>(t, "PATCH", `/v1/skills/${id}`, { state: "active", expected_version: 1 });
    expect(stale.status).toBe(409);
    const confirmed = await api<SkillOut>(t, "PATCH", `/v1/skills/${id}`, { state: "active", expected_version: 2 });
    expect(confirmed.body).toMatchObject({ state: "active", version: 3 });
    const listed = await listSkills(t, user, "&state=active&origin=upload");
    expect(listed.map((s) => s.id)).toEqual([id]);
    expect(await listSkills(t, user, "&state=probationary")).toHaveLength(0);
  });
});

async function fetchText(t: Tenant, path: string): Promise<{ status: number; type: string; text: string }> {
  const { SELF } = await import("cloudflare:test");
  const res = await SELF.fetch(`http://memos.test${path}`, { headers: t.auth });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}
