// Skills under governance in workerd: bad input at each route, deletion from every table, tenant and key isolation, audit ids only, MCP tools.
import { describe, expect, it } from "vitest";
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { BASE, api, newTenant, uniq, waitForJob, type Tenant } from "./helpers";
import { skillFootprint } from "../durable-objects/cube/skills/store";

interface SkillOut {
  id: string;
  name: string;
  version: number;
  agent_id: string | null;
  description: string;
}
interface ErrorOut {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}

const DRAFT = {
  name: "deploy-service",
  description: "Deploy a service to production.",
  parameters: { type: "object", properties: { service: { type: "string" } }, required: ["service"], additionalProperties: false },
  steps: [{ text: "Build {service}" }, { text: "Run the tests of {service}" }, { text: "Roll {service} out to production" }],
};

async function upload(t: Tenant, user: string, extra: Record<string, unknown> = {}, draft: Record<string, unknown> = DRAFT): Promise<SkillOut> {
  const r = await api<{ skill: SkillOut }>(t, "POST", "/v1/skills", { user_id: user, skill: draft, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.skill;
}

const cubeOf = (t: Tenant, cube: string) => env.CUBE.get(env.CUBE.idFromName(`${t.id}/${cube}`));

async function limitedKey(admin: Tenant, limits: Record<string, unknown>): Promise<Tenant> {
  const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: "limited", scopes: ["memories:read", "memories:write"], limits });
  expect(r.status).toBe(201);
  return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
}

describe("bad input at each skill route: a clear 4xx with a stable code, nothing changed", () => {
  it("refuses invalid drafts, SKILL.md files and queries with invalid_request and the problems listed", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const bad = async (method: string, path: string, body: unknown, status = 400) => {
      const r = await api<ErrorOut>(t, method, path, body);
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(status);
      return r.body.error;
    };
    const named = await bad("POST", "/v1/skills", { user_id: user, skill: { ...DRAFT, name: "Deploy Service!" } });
    expect(named.code).toBe("invalid_request");
    expect(named.details?.some((d) => d.path.includes("name"))).toBe(true);
    const undeclared = await bad("POST", "/v1/skills", { user_id: user, skill: { ...DRAFT, steps: [{ text: "Ping {host}" }] } });
    expect(JSON.stringify(undeclared.details)).toContain("host");
    await bad("POST", "/v1/skills", { user_id: user, skill: { ...DRAFT, description: "x".repeat(1_025) } });
    await bad("POST", "/v1/skills", { user_id: user, skill: { ...DRAFT, steps: Array.from({ length: 51 }, (_, i) => ({ text: `step ${i}` })) } });
    await bad("POST", "/v1/skills", { skill: DRAFT });
    await bad("POST", "/v1/skills", { user_id: user, skill: { ...DRAFT, steps: [] } });

    const md = await bad("POST", "/v1/skills/import", { user_id: user, text: "just some text, no front matter" });
    expect(md.code).toBe("invalid_request");
    expect(md.details?.length).toBeGreaterThan(0);
    await bad("POST", "/v1/skills/import", { user_id: user, text: "---\nname: ok-name\n---\n\n1. a step\n" });
    await bad("POST", "/v1/skills/import", { user_id: user, text: "---\nname: a\ndescription: b\n---\n1. x", files: [{ path: "a/SKILL.md", content: "x" }] });
    await bad("POST", "/v1/skills/import", { user_id: user, text: "x".repeat(100_001) });

    await bad("GET", "/v1/skills?cursor=not-a-cursor", undefined);
    await bad("GET", `/v1/skills?user_id=${user}&state=sleeping`, undefined);
    await bad("GET", `/v1/skills?user_id=${user}&cursor=not-a-cursor`, undefined);
    await bad("POST", "/v1/skills/search", { user_id: user, query: "   " });
    await bad("POST", "/v1/skills/search", { user_id: user, query: "deploy", top_k: 1_000 });

    const skill = await upload(t, user);
    await bad("PATCH", `/v1/skills/${skill.id}`, {});
    await bad("PATCH", `/v1/skills/${skill.id}`, { name: "NOT kebab" });
    await bad("PATCH", `/v1/skills/${skill.id}`, { steps: [{ text: "use {undeclared}", tool: null, condition: null }] });
    await bad("PATCH", `/v1/skills/${skill.id}`, { state: "active", expected_version: 7 }, 409);
    await bad("POST", `/v1/skills/${skill.id}/instantiate`, { params: {} });
    await bad("POST", `/v1/skills/${skill.id}/instantiate`, { params: { service: 3 } });
    await bad("POST", `/v1/skills/${skill.id}/feedback`, { outcome: "success", note: "x".repeat(2_001) });
    await bad("GET", `/v1/skills/${skill.id}/export?format=xml`, undefined);

    for (const [method, suffix, body] of [
      ["GET", "", undefined],
      ["PATCH", "", { description: "new" }],
      ["DELETE", "", undefined],
      ["GET", "/versions", undefined],
      ["POST", "/instantiate", { params: { service: "api" } }],
      ["POST", "/feedback", { outcome: "success" }],
      ["GET", "/export", undefined],
    ] as const) {
      expect((await api<ErrorOut>(t, method, `/v1/skills/skl_nope${suffix}`, body)).body.error.code).toBe("not_found");
      const wellFormed = skill.id.replace(/_[0-9A-Z]{26}_/, "_01JD3ZZZZZZZZZZZZZZZZZZZZZ_");
      expect((await api(t, method, `/v1/skills/${wellFormed}${suffix}`, body)).status).toBe(404);
    }
    // Nothing of the refused requests changed the skill.
    const after = await api<SkillOut & { reliability: { successes: number; last_used_at: string | null } }>(t, "GET", `/v1/skills/${skill.id}`);
    expect(after.body).toMatchObject({ version: 1, description: DRAFT.description, reliability: { successes: 0, last_used_at: null } });
    const list = await api<{ skills: SkillOut[] }>(t, "GET", `/v1/skills?user_id=${user}`);
    expect(list.body.skills).toHaveLength(1);
  });
});

describe("deleted means gone", () => {
  it("deleting a mined skill removes it from every table, every search and the stored answers that quote it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const r = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", {
      user_id: user,
      messages: [
        { role: "user", content: "How do I renew the zanzibar certificate?" },
        { role: "assistant", content: "1. Open the zanzibar console\n2. Request a new certificate\n3. Install the certificate on the load balancer" },
        { role: "user", content: "Done, thanks!" },
      ],
    });
    await waitForJob(t, r.body.job.id, (j) => (j.result?.detail?.skills as { state?: string } | undefined)?.state === "succeeded");
    const mined = (await api<{ skills: SkillOut[] }>(t, "GET", `/v1/skills?user_id=${user}`)).body.skills;
    expect(mined).toHaveLength(1);
    const uploaded = await api<{ skill: SkillOut }>(t, "POST", "/v1/skills", { user_id: user, skill: { ...DRAFT, name: "zanzibar-deploy", description: "Deploy zanzibar." } }, { "idempotency-key": uniq("k") });
    for (const skill of [...mined, uploaded.body.skill]) {
      const stub = cubeOf(t, `user:${user}`);
      const before = await runInDurableObject(stub, (_o, state) => skillFootprint(state.storage.sql, skill.id));
      expect(before.skills).toBe(1);
      expect(before.skill_versions).toBeGreaterThan(0);
      expect(before.skill_vectors).toBe(1);
      const del = await api(t, "DELETE", `/v1/skills/${skill.id}`);
      expect(del.status).toBe(200);
      const after = await runInDurableObject(stub, (_o, state) => ({
        ...skillFootprint(state.storage.sql, skill.id),
        fts: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skill_fts WHERE skill_fts MATCH ?", skill.name.split("-").pop() as string).one().n,
        snapshots: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skill_versions WHERE instr(snapshot, ?) > 0", skill.id).one().n,
      }));
      expect(after).toEqual({ skills: 0, skill_versions: 0, skill_sources: 0, skill_vectors: 0, skill_fts: 0, idempotency: 0, fts: expect.any(Number), snapshots: 0 });
      expect((await api(t, "GET", `/v1/skills/${skill.id}`)).status).toBe(404);
      expect((await api(t, "GET", `/v1/skills/${skill.id}/versions`)).status).toBe(404);
      expect((await api(t, "DELETE", `/v1/skills/${skill.id}`)).status).toBe(404);
    }
    const fts = await runInDurableObject(cubeOf(t, `user:${user}`), (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skill_fts WHERE skill_fts MATCH 'zanzibar'").one().n);
    expect(fts).toBe(0);
    const search = await api<{ results: unknown[] }>(t, "POST", "/v1/skills/search", { user_id: user, query: "zanzibar certificate" });
    expect(search.body.results).toHaveLength(0);
    const memSearch = await api<{ skills?: unknown[] }>(t, "POST", "/v1/search", { user_id: user, query: "zanzibar certificate" });
    expect(memSearch.body.skills).toBeUndefined();
  });

  it("deleting a user's or an agent's scope deletes its skills; a session's scope leaves them", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const plain = await upload(t, user);
    const byAgent = await upload(t, user, { agent_id: "bot-1" }, { ...DRAFT, name: "deploy-by-bot", steps: [{ text: "Ask the bot to ship {service}" }, { text: "Watch {service} roll out" }] });
    expect((await api(t, "DELETE", `/v1/memories?user_id=${user}&session_id=s1`)).status).toBe(200);
    expect((await api(t, "GET", `/v1/skills/${byAgent.id}`)).status).toBe(200);
    expect((await api(t, "DELETE", `/v1/memories?user_id=${user}&agent_id=bot-1`)).status).toBe(200);
    expect((await api(t, "GET", `/v1/skills/${byAgent.id}`)).status).toBe(404);
    expect((await api(t, "GET", `/v1/skills/${plain.id}`)).status).toBe(200);
    expect((await api(t, "DELETE", `/v1/memories?user_id=${user}`)).status).toBe(200);
    expect((await api(t, "GET", `/v1/skills/${plain.id}`)).status).toBe(404);
    const left = await runInDurableObject(cubeOf(t, `user:${user}`), (_o, state) => ({
      skills: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skills").one().n,
      versions: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skill_versions").one().n,
      vectors: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skill_vectors").one().n,
      audit: state.storage.sql.exec<{ target_ids: string }>("SELECT target_ids FROM audit_log WHERE action = 'skill.delete' ORDER BY seq").toArray().map((r) => JSON.parse(r.target_ids) as string[]),
    }));
    expect(left).toEqual({ skills: 0, versions: 0, vectors: 0, audit: [[byAgent.id], [plain.id]] });
  });

  it("deleting the cube deletes its skills", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const skill = await upload(t, user);
    const del = await api(t, "DELETE", `/v1/cubes/user:${user}`);
    expect(del.status).toBe(200);
    expect((await api(t, "GET", `/v1/skills/${skill.id}`)).status).toBe(404);
    const left = await runInDurableObject(cubeOf(t, `user:${user}`), (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM skills").one().n);
    expect(left).toBe(0);
  });
});

describe("isolation", () => {
  it("another tenant sees nothing of a skill: every route answers 404 and changes nothing", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const user = uniq("u");
    const skill = await upload(a, user);
    for (const [method, suffix, body] of [
      ["GET", "", undefined],
      ["PATCH", "", { description: "stolen" }],
      ["DELETE", "", undefined],
      ["GET", "/versions", undefined],
      ["POST", "/instantiate", { params: { service: "api" } }],
      ["POST", "/feedback", { outcome: "failure" }],
      ["GET", "/export", undefined],
    ] as const) {
      const r = await api<ErrorOut>(b, method, `/v1/skills/${skill.id}${suffix}`, body);
      expect(r.status, `${method} ${suffix}`).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain(DRAFT.description);
      expect((await api(b, method, `/v1/skills/${skill.id}${suffix}?user_id=${user}`, body)).status).toBe(404);
    }
    expect((await api(b, "GET", `/v1/skills?user_id=${user}`)).status).toBe(404);
    expect((await api<{ skills: SkillOut[] }>(b, "GET", "/v1/skills")).body.skills).toEqual([]);
    const search = await api<{ results: unknown[] }>(b, "POST", "/v1/skills/search", { query: "deploy service production" });
    expect(search.body.results).toHaveLength(0);
    const still = await api<SkillOut>(a, "GET", `/v1/skills/${skill.id}`);
    expect(still.body).toMatchObject({ version: 1, description: DRAFT.description });
  });

  it("a key limited to other users or other agents neither sees nor changes the skill", async () => {
    const admin = await newTenant(["admin"]);
    const user = uniq("u");
    const other = uniq("u");
    const own = await upload(admin, user);
    const agentSkill = await upload(admin, user, { agent_id: "agent-a" }, { ...DRAFT, name: "deploy-with-agent", steps: [{ text: "Ask agent to build {service}" }, { text: "Ship {service}" }] });
    expect(agentSkill.agent_id).toBe("agent-a");

    const otherUser = await limitedKey(admin, { user_ids: [other] });
    expect((await api(otherUser, "GET", `/v1/skills/${own.id}`)).status).toBe(404);
    expect((await api(otherUser, "GET", `/v1/skills?user_id=${user}`)).status).toBe(404);
    expect((await api(otherUser, "DELETE", `/v1/skills/${own.id}`)).status).toBe(404);
    const s1 = await api<{ results: Array<{ skill: SkillOut }> }>(otherUser, "POST", "/v1/skills/search", { query: "deploy service" });
    expect(s1.body.results).toHaveLength(0);

    // Tenant-wide, the admin key pages through both users' skills, newest first; the limited key sees none of them.
    const second = await upload(admin, other, {}, { ...DRAFT, name: "deploy-other" });
    const first = await api<{ skills: SkillOut[]; next_cursor: string | null }>(admin, "GET", "/v1/skills?limit=2");
    expect(first.body.skills.map((s) => s.id)).toEqual([second.id, agentSkill.id]);
    const rest = await api<{ skills: SkillOut[]; next_cursor: string | null }>(admin, "GET", `/v1/skills?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body).toMatchObject({ skills: [expect.objectContaining({ id: own.id })], next_cursor: null, coverage: { cubes_searched: 2, failed: [] } });
    expect(rest.body.skills).toHaveLength(1);
    expect((await api<{ skills: SkillOut[] }>(otherUser, "GET", "/v1/skills")).body.skills.map((s) => s.id)).toEqual([second.id]);

    const agentB = await limitedKey(admin, { user_ids: [user], agent_ids: ["agent-b"] });
    expect((await api(agentB, "GET", `/v1/skills/${agentSkill.id}`)).status).toBe(404);
    expect((await api(agentB, "POST", `/v1/skills/${agentSkill.id}/instantiate`, { params: { service: "x" } })).status).toBe(404);
    expect((await api(agentB, "PATCH", `/v1/skills/${agentSkill.id}`, { description: "mine now" })).status).toBe(404);
    expect((await api(agentB, "DELETE", `/v1/skills/${agentSkill.id}`)).status).toBe(404);
    expect((await api(agentB, "GET", `/v1/skills/${agentSkill.id}/versions`)).status).toBe(404);
    const listed = await api<{ skills: SkillOut[] }>(agentB, "GET", `/v1/skills?user_id=${user}`);
    expect(listed.body.skills.map((s) => s.id)).toEqual([own.id]);
    expect((await api<{ skills: SkillOut[] }>(agentB, "GET", "/v1/skills")).body.skills.map((s) => s.id)).toEqual([own.id]);
    const found = await api<{ results: Array<{ skill: SkillOut }> }>(agentB, "POST", "/v1/skills/search", { user_id: user, query: "deploy service build ship" });
    expect(found.body.results.map((r) => r.skill.id)).not.toContain(agentSkill.id);
    // A skill of no agent stays visible to it.
    expect((await api(agentB, "GET", `/v1/skills/${own.id}`)).status).toBe(200);
    expect((await api<SkillOut>(admin, "GET", `/v1/skills/${agentSkill.id}`)).body.description).toBe(DRAFT.description);
  });

  it("a read-only key may read and instantiate, not write", async () => {
    const admin = await newTenant(["admin"]);
    const user = uniq("u");
    const skill = await upload(admin, user);
    const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: "ro", scopes: ["memories:read"] });
    const ro: Tenant = { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
    expect((await api(ro, "GET", `/v1/skills/${skill.id}`)).status).toBe(200);
    expect((await api(ro, "POST", `/v1/skills/${skill.id}/instantiate`, { params: { service: "api" } })).status).toBe(200);
    for (const [method, path, body] of [
      ["POST", "/v1/skills", { user_id: user, skill: DRAFT }],
      ["PATCH", `/v1/skills/${skill.id}`, { description: "x" }],
      ["DELETE", `/v1/skills/${skill.id}`, undefined],
      ["POST", `/v1/skills/${skill.id}/feedback`, { outcome: "success" }],
    ] as const) {
      const res = await api<ErrorOut>(ro, method, path, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });
});

describe("export", () => {
  it("/v1/export carries the scope's skills with every version, desensitized unless the key may read personal data", async () => {
    const admin = await newTenant(["admin"]);
    const keyWith = async (scopes: string[]): Promise<Tenant> => {
      const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: "k", scopes });
      return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
    };
    const t = await keyWith(["memories:read", "memories:write", "export"]);
    const user = uniq("u");
    const skill = await upload(t, user, {}, { ...DRAFT, description: "Deploy a service; page ops.lead@example.com on failure." });
    await api(t, "PATCH", `/v1/skills/${skill.id}`, { state: "active" });
    const read = async (key: Tenant) => {
      const res = await SELF.fetch(`${BASE}/v1/export?user_id=${user}`, { headers: key.auth });
      expect(res.status).toBe(200);
      return (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const lines = await read(t);
    const skillLines = lines.filter((l) => l.type === "skill") as Array<{ skill: SkillOut; versions: Array<{ version: number; skill: SkillOut }> }>;
    expect(skillLines).toHaveLength(1);
    expect(skillLines[0]?.skill.id).toBe(skill.id);
    expect(skillLines[0]?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(JSON.stringify(lines)).not.toContain("ops.lead@example.com");
    expect(lines.at(-1)).toMatchObject({ type: "end", skills: 1 });
    const revealed = await read(await keyWith(["memories:read", "export", "pii:read"]));
    const line = revealed.find((l) => l.type === "skill") as { skill: SkillOut } | undefined;
    expect(line?.skill.description).toContain("ops.lead@example.com");
  });
});

describe("audit and MCP", () => {
  it("records skill writes and reads in the cube's audit chain with ids only", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const skill = await upload(t, user);
    await api(t, "GET", `/v1/skills/${skill.id}`);
    await api(t, "POST", `/v1/skills/${skill.id}/instantiate`, { params: { service: "billing" } });
    await api(t, "GET", `/v1/skills/${skill.id}/export`);
    await api(t, "POST", "/v1/skills/search", { user_id: user, query: "deploy" });
    await api(t, "DELETE", `/v1/skills/${skill.id}`);
    const rows = await runInDurableObject(cubeOf(t, `user:${user}`), (_o, state) =>
      state.storage.sql.exec<{ action: string; target_ids: string }>("SELECT action, target_ids FROM audit_log WHERE action LIKE 'skill.%' ORDER BY seq").toArray(),
    );
    expect(rows.map((r) => r.action)).toEqual(["skill.create", "skill.read", "skill.instantiate", "skill.export", "skill.search", "skill.delete"]);
    for (const r of rows) {
      expect(JSON.parse(r.target_ids)).toEqual([skill.id]);
      expect(r.target_ids).not.toContain("billing");
    }
  });

  it("MCP tools search, get and instantiate a skill, and answer bad parameters as a tool error", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const skill = await upload(t, user);
    const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { fetch: (url, init) => SELF.fetch(url, init), requestInit: { headers: t.auth } });
    const client = new Client({ name: "skills-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    await client.connect(transport);
    const found = await client.callTool({ name: "search_skills", arguments: { query: "deploy a service", user_id: user } });
    expect(found.isError).toBeFalsy();
    expect((found.structuredContent as { results: Array<{ skill: SkillOut }> }).results[0]?.skill.id).toBe(skill.id);
    const got = await client.callTool({ name: "get_skill", arguments: { id: skill.id } });
    expect((got.structuredContent as SkillOut).name).toBe("deploy-service");
    const run = await client.callTool({ name: "instantiate_skill", arguments: { id: skill.id, params: { service: "billing" } } });
    expect((run.structuredContent as { steps: Array<{ text: string }> }).steps.map((s) => s.text)).toEqual(["Build billing", "Run the tests of billing", "Roll billing out to production"]);
    const bad = await client.callTool({ name: "instantiate_skill", arguments: { id: skill.id, params: {} } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toContain("invalid_request");
    const missing = await client.callTool({ name: "get_skill", arguments: { id: "skl_nope" } });
    expect(JSON.stringify(missing.content)).toContain("not_found");
    await client.close();
  });
});
