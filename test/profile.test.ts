// Profiles: built from a user's live memories (stable facts, the latest preferences, current
// context), rebuilt by the scheduler's profile task when they change, read by GET /v1/profile and
// beside the context block; validation, isolation and agent-limited keys.
import { describe, expect, it } from "vitest";
import { runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { probeStub } from "./fixtures/cube-probe";
import { buildProfile, PROFILE_TOKENS } from "../src/memory/profile";
import { countTokens } from "../src/memory/retrieval/packing";
import type { Memory } from "../src/memory/types";

interface Line { memory_id: string; text: string }
interface Profile { user_id: string; stable: Line[]; preferences: Array<Line & { polarity: string | null }>; current: Line[]; summary: string; tokens: number; source_count: number; built_at: string }

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
let n = 0;
function mem(text: string, type: Memory["type"], over: Partial<Memory> = {}): Memory {
  n++;
  return {
    id: `mem_${String(n).padStart(3, "0")}`, tenant_id: "t", cube_id: "c", user_id: "ann", agent_id: null, session_id: null, text, type, tags: [], entities: [], metadata: {},
    importance: 0.5, state: "active", version: 1, hash: "h", created_at: NOW - DAY, updated_at: NOW - DAY, valid_from: NOW - DAY, valid_to: null, event_time: null,
    source_message_ids: [], seen_count: 1, last_seen_at: NOW - DAY, ...over,
  };
}

describe("buildProfile (pure)", () => {
  it("sorts memories into stable facts, the latest preference per thing and recent context, leaving out what is not live", () => {
    const ms = [
      mem("Ann works as a nurse", "fact", { importance: 0.9 }),
      mem("Ann has a sister, Maria", "relationship"),
      mem("Ann loves coffee", "preference", { updated_at: NOW - 10 * DAY }),
      mem("Ann hates coffee now", "preference", { updated_at: NOW - DAY }),
      mem("Ann visited Rome", "event", { event_time: NOW - 3 * DAY }),
      mem("Ann visited Oslo", "event", { event_time: NOW - 90 * DAY }),
      mem("Ann lived in Paris", "fact", { valid_to: NOW - 5 * DAY }),
      mem("Ann's archived note", "fact", { state: "archived" }),
    ];
    const p = buildProfile("ann", ms, NOW);
    expect(p.stable.map((l) => l.text)).toEqual(["Ann works as a nurse", "Ann has a sister, Maria"]);
    expect(p.preferences.map((l) => [l.text, l.polarity])).toEqual([["Ann hates coffee now", "dislike"]]);
    expect(p.current.map((l) => l.text)).toEqual(["Ann visited Rome"]);
    expect(p.source_count).toBe(6);
    expect(p.summary).toContain("## stable facts");
    expect(buildProfile("ann", [...ms].reverse(), NOW).summary).toBe(p.summary);
  });

  it("keeps the rendered summary within its token bound", () => {
    const many = Array.from({ length: 40 }, (_, i) => mem(`Ann knows fact number ${i} about ${"a very long subject ".repeat(8)}`, "fact"));
    const p = buildProfile("ann", many, NOW);
    expect(countTokens(p.summary)).toBeLessThanOrEqual(PROFILE_TOKENS);
    expect(p.tokens).toBe(countTokens(p.summary));
  });
});

async function add(t: Tenant, user: string, text: string, type: string): Promise<void> {
  const r = await api(t, "POST", "/v1/memories", { user_id: user, text, type, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}
const runWait = (t: Tenant, user: string) => api<{ decisions: Array<{ task: string; reason: string }> }>(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);

describe("GET /v1/profile", () => {
  it("answers the profile the scheduler built, and a rebuilt one after the memories change", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Ann works as a nurse", "fact");
    await add(t, user, "Ann loves jazz", "preference");
    await add(t, user, "Ann visited Rome", "event");
    const run = await runWait(t, user);
    expect(run.body.decisions.some((d) => d.task === "profile" && /rebuilt 1 profiles/.test(d.reason))).toBe(true);
    const r = await api<Profile>(t, "GET", `/v1/profile?user_id=${user}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ user_id: user, source_count: 3 });
    expect(r.body.stable.map((l) => l.text)).toEqual(["Ann works as a nurse"]);
    expect(r.body.preferences.map((l) => [l.text, l.polarity])).toEqual([["Ann loves jazz", "like"]]);
    expect(r.body.current.map((l) => l.text)).toEqual(["Ann visited Rome"]);
    await add(t, user, "Ann has a dog named Rex", "relationship");
    await runWait(t, user);
    const after = await api<Profile>(t, "GET", `/v1/profile?user_id=${user}`);
    expect(after.body.source_count).toBe(4);
    expect(after.body.stable.map((l) => l.text)).toContain("Ann has a dog named Rex");
    expect(Date.parse(after.body.built_at)).toBeGreaterThanOrEqual(Date.parse(r.body.built_at));
  });

  it("is given beside the context block for one user's cube", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Bo is a carpenter", "fact");
    await runWait(t, user);
    const c = await api<{ context: string; profile?: { summary: string; user_id: string } }>(t, "POST", "/v1/context", { query: "what does Bo do", user_id: user });
    expect(c.status).toBe(200);
    expect(c.body.profile?.user_id).toBe(user);
    expect(c.body.profile?.summary).toContain("Bo is a carpenter");
    expect(c.body.context).not.toContain("<profile");
  });

  it("refuses bad input with 400, another tenant's user with 404, and a key limited to agents with 403", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    await add(t, user, "Cy plays the oboe", "fact");
    for (const q of ["", `user_id=${user}&extra=1`, "user_id=bad%20id"]) {
      const r = await api<{ error: { code: string } }>(t, "GET", `/v1/profile?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const other = await newTenant();
    const leak = await api(other, "GET", `/v1/profile?user_id=${user}`);
    expect(leak.status).toBe(404);
    expect(JSON.stringify(leak.body)).not.toContain("oboe");
    const made = await api<{ key: string }>(t, "POST", "/v1/keys", { name: "planner", scopes: ["memories:read"], limits: { user_ids: [user], agent_ids: ["planner"] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const limited: Tenant = { id: t.id, key: made.body.key, auth: { authorization: `Bearer ${made.body.key}` } };
    expect((await api(limited, "GET", `/v1/profile?user_id=${user}`)).status).toBe(403);
  });
});

describe("a deleted memory", () => {
  it("leaves the profile at once, and a user with none left keeps no profile in the cube", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "Di is a pilot", "fact");
    await add(t, user, "Di lives in Bergen", "fact");
    await runWait(t, user);
    const listed = await api<{ memories: Array<{ id: string; text: string }> }>(t, "GET", `/v1/memories?user_id=${user}`);
    const pilot = listed.body.memories.find((m) => m.text === "Di is a pilot") as { id: string };
    expect((await api(t, "DELETE", `/v1/memories/${pilot.id}`)).status).toBe(200);
    // Before any scheduler run: the read sees the change and rebuilds.
    const r = await api<Profile>(t, "GET", `/v1/profile?user_id=${user}`);
    expect(JSON.stringify(r.body)).not.toContain("pilot");
    expect(r.body.stable.map((l) => l.text)).toEqual(["Di lives in Bergen"]);
    expect((await api(t, "DELETE", `/v1/memories?user_id=${user}`)).status).toBe(200);
    await runWait(t, user);
    const stored = await runInDurableObject(probeStub(`${t.id}/user:${user}`), (_c, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM meta WHERE key LIKE 'profile:%'").one().n);
    expect(stored).toBe(0);
  });
});
