// The MemOS Cloud-compatible API at /api/openmem/v1: each route with MemOS's request fields and envelope,
// bad input, the Token header, scopes and tenant isolation, in workerd.
import { describe, expect, it } from "vitest";
import { ADMIN, api, newTenant, uniq, type Tenant } from "./helpers";

const V = "/api/openmem/v1";

interface Envelope<D = Record<string, unknown>> {
  code: number;
  message: string;
  data: D;
  error?: { code: string; message: string };
  request_id?: string;
}
interface Detail {
  id: string;
  memory_key: string;
  memory_value: string;
  memory_type: string;
  create_time: string;
  update_time: string;
  conversation_id: string;
  status: string;
  confidence: number;
  tags: string[];
  relativity?: number;
}
interface Pref { id: string; preference: string; preference_type: string; status: string }
interface SearchData { memory_detail_list: Detail[]; preference_detail_list: Pref[]; tool_memory_detail_list: unknown[] }
interface GetData extends SearchData { total: number; size: number; current: number; pages: number }

/** A MemOS call, with the key as MemOS clients send it (`Authorization: Token <key>`). */
async function memos<D = Record<string, unknown>>(t: Tenant | null, route: string, body: unknown, headers: Record<string, string> = {}) {
  const auth: Record<string, string> = t ? { authorization: `Token ${t.key}` } : {};
  return api<Envelope<D>>(null, "POST", `${V}${route}`, body, { ...auth, ...headers });
}

const TRIP = [
  { role: "user", content: "I have a business trip to Beijing next Tuesday." },
  { role: "assistant", content: "Sure, shall I check the weather or hotels in Beijing for you?" },
  { role: "user", content: "I live in Boston near the harbour." },
];

/** A user with memories extracted from TRIP (sync add). */
async function withMemories(t: Tenant): Promise<{ user: string; conv: string; list: Detail[] }> {
  const user = uniq("u");
  const conv = uniq("c");
  const add = await memos<{ success: boolean; task_id: string; status: string }>(t, "/add/message", { user_id: user, conversation_id: conv, messages: TRIP, async_mode: false, tags: ["travel"], info: { scene: "chat" } });
  expect(add.status).toBe(200);
  expect(add.body).toMatchObject({ code: 0, data: { success: true, status: "completed" } });
  const got = await memos<GetData>(t, "/get/memory", { user_id: user });
  expect(got.body.code).toBe(0);
  return { user, conv, list: got.body.data.memory_detail_list };
}

describe("MemOS-compatible API", () => {
  it("add/message (sync) stores memories that get/memory lists in MemOS's shapes", async () => {
    const t = await newTenant();
    const { conv, list } = await withMemories(t);
    expect(list.length).toBeGreaterThan(0);
    const boston = list.find((m) => /Boston/.test(m.memory_value)) as Detail;
    expect(boston).toBeDefined();
    expect(boston).toMatchObject({ memory_type: "LongTermMemory", status: "activated", conversation_id: conv });
    expect(boston.tags).toContain("travel");
    expect(typeof boston.memory_key).toBe("string");
    expect(Number.isNaN(Date.parse(boston.create_time))).toBe(false);
    expect(Number.isNaN(Date.parse(boston.update_time))).toBe(false);
    expect(boston.confidence).toBeGreaterThanOrEqual(0);
    expect(boston.confidence).toBeLessThanOrEqual(1);
  });

  it("add/message (async, the default) answers a task that get/status follows to completed", async () => {
    const t = await newTenant();
    const user = uniq("u");
    // The Python SDK's own payload: nulls for what it does not set, asyncMode in camelCase.
    const add = await memos<{ success: boolean; task_id: string; status: string }>(t, "/add/message", {
      messages: TRIP, user_id: user, conversation_id: "conv_001", info: null, source: null, app_id: null, agent_id: null,
      allow_public: false, allow_knowledgebase_ids: null, tags: null, asyncMode: true,
    });
    expect(add.status).toBe(200);
    expect(add.body.code).toBe(0);
    expect(add.body.message).toBe("ok");
    expect(add.body.data.success).toBe(true);
    expect(add.body.data.status).toBe("running");
    const taskId = add.body.data.task_id;
    expect(taskId).toMatch(/^job_/);
    let status = "running";
    for (let i = 0; i < 100 && status === "running"; i++) {
      const s = await memos<{ status: string }>(t, "/get/status", { task_id: taskId });
      expect(s.status).toBe(200);
      expect(s.body.code).toBe(0);
      status = s.body.data.status;
      if (status === "running") await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe("completed");
    const got = await memos<GetData>(t, "/get/memory", { user_id: user, page: 1, size: 10 });
    expect(got.body.data.memory_detail_list.some((m) => /Boston/.test(m.memory_value))).toBe(true);
  });

  it("search/memory answers memory_detail_list with relativity, and empty lists for an unknown user", async () => {
    const t = await newTenant();
    const { user } = await withMemories(t);
    const r = await memos<SearchData>(t, "/search/memory", { query: "Where does the user live? Boston", user_id: user, conversation_id: "other", memory_limit_number: 3, include_preference: true });
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(0);
    expect(Array.isArray(r.body.data.preference_detail_list)).toBe(true);
    expect(r.body.data.tool_memory_detail_list).toEqual([]);
    const list = r.body.data.memory_detail_list;
    expect(list.length).toBeGreaterThan(0);
    expect(list.length).toBeLessThanOrEqual(3);
    expect(list[0]?.memory_value).toMatch(/Boston/);
    expect(list[0]?.relativity).toBeGreaterThan(0);
    expect(list[0]?.relativity).toBeLessThanOrEqual(1);

    const none = await memos<SearchData>(t, "/search/memory", { query: "Boston", user_id: uniq("nobody") });
    expect(none.status).toBe(200);
    expect(none.body.data).toMatchObject({ memory_detail_list: [], preference_detail_list: [] });
  });

  it("search/memory puts preference memories in preference_detail_list", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const direct = await api(t, "POST", "/v1/memories", { user_id: user, text: "coffee order: flat white", infer: false, type: "preference" });
    expect(direct.status).toBe(201);
    const r = await memos<SearchData>(t, "/search/memory", { query: "coffee order", user_id: user });
    expect(r.body.data.memory_detail_list).toEqual([]);
    expect(r.body.data.preference_detail_list[0]).toMatchObject({ preference: "coffee order: flat white", preference_type: "explicit_preference", status: "activated" });
    const off = await memos<SearchData>(t, "/search/memory", { query: "coffee order", user_id: user, include_preference: false });
    expect(off.body.data.preference_detail_list).toEqual([]);
  });

  it("get/memory pages each category with total, size, current and pages", async () => {
    const t = await newTenant();
    const user = uniq("u");
    for (const text of ["Ann keeps bees", "Ann plays chess", "Ann likes rain"]) {
      expect((await api(t, "POST", "/v1/memories", { user_id: user, text, infer: false })).status).toBe(201);
    }
    const p1 = await memos<GetData>(t, "/get/memory", { user_id: user, page: 1, size: 2 });
    expect(p1.body.data).toMatchObject({ total: 3, size: 2, current: 1, pages: 2 });
    expect(p1.body.data.memory_detail_list).toHaveLength(2);
    const p2 = await memos<GetData>(t, "/get/memory", { user_id: user, page: 2, size: 2 });
    expect(p2.body.data.memory_detail_list).toHaveLength(1);
    const ids = [...p1.body.data.memory_detail_list, ...p2.body.data.memory_detail_list].map((m) => m.id);
    expect(new Set(ids).size).toBe(3);
    const none = await memos<GetData>(t, "/get/memory", { user_id: uniq("nobody") });
    expect(none.body.data).toMatchObject({ memory_detail_list: [], total: 0, pages: 0 });
  });

  it("delete/memory deletes by id; one unknown id deletes nothing", async () => {
    const t = await newTenant();
    const { user, list } = await withMemories(t);
    const [a, b] = list;
    expect(a && b).toBeTruthy();
    const bad = await memos(t, "/delete/memory", { memory_ids: [a?.id, "mem_doesnotexist"] });
    expect(bad.status).toBe(404);
    expect(bad.body).toMatchObject({ code: 40307, data: null, error: { code: "not_found" } });
    expect((await memos<GetData>(t, "/get/memory", { user_id: user })).body.data.memory_detail_list).toHaveLength(list.length);

    const del = await memos(t, "/delete/memory", { memory_ids: [a?.id] });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ code: 0, data: { success: true } });
    const after = (await memos<GetData>(t, "/get/memory", { user_id: user })).body.data.memory_detail_list.map((m) => m.id);
    expect(after).not.toContain(a?.id);
    expect(after).toContain(b?.id);
  });

  it("add/feedback corrects the user's matching memory through the judge", async () => {
    const t = await newTenant();
    const { user, conv } = await withMemories(t);
    const fb = await memos<{ success: boolean; status: string; action: string; memory_ids: string[] }>(t, "/add/feedback", { user_id: user, conversation_id: conv, feedback_content: "Actually I live in Paris now, not Boston" });
    expect(fb.status).toBe(200);
    expect(fb.body).toMatchObject({ code: 0, data: { success: true, status: "completed" } });
    expect(["ADD", "UPDATE", "SUPERSEDE", "DELETE", "NOOP"]).toContain(fb.body.data.action);
    const values = (await memos<GetData>(t, "/get/memory", { user_id: user })).body.data.memory_detail_list.map((m) => m.memory_value);
    expect(values.some((v) => /Paris/.test(v))).toBe(true);

    const unknown = await memos(t, "/add/feedback", { user_id: uniq("nobody"), conversation_id: "c", feedback_content: "I moved" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 40001, error: { code: "not_found" } });
  });

  it("refuses bad input in the envelope and stores nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const cases: Array<[string, unknown]> = [
      ["/add/message", { user_id: user, messages: [] }],
      ["/add/message", { user_id: user }],
      ["/add/message", { messages: TRIP }],
      ["/add/message", { user_id: user, messages: [{ role: "robot", content: "hi" }] }],
      ["/add/message", { user_id: user, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }] }],
      ["/add/message", { user_id: "bad id with spaces", messages: TRIP }],
      ["/search/memory", { user_id: user }],
      ["/search/memory", { query: "x", user_id: user, memory_limit_number: 26 }],
      ["/search/memory", { query: "x", user_id: user, filter: { and: [{ create_time: { gte: "2025-01-01" } }] } }],
      ["/get/memory", { user_id: user, size: 51 }],
      ["/delete/memory", { memory_ids: [] }],
      ["/add/feedback", { user_id: user, conversation_id: "c" }],
      ["/get/status", {}],
    ];
    for (const [route, body] of cases) {
      const r = await memos(t, route, body);
      expect(r.status, `${route} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body).toMatchObject({ code: 40000, data: null, error: { code: "invalid_request" } });
      expect(typeof r.body.message).toBe("string");
      expect(r.body.request_id).toMatch(/\S/);
    }
    const notJson = await memos(t, "/add/message", "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe(40000);
    const unknownTask = await memos(t, "/get/status", { task_id: "job_nope" });
    expect(unknownTask.status).toBe(404);
    expect(unknownTask.body.code).toBe(50131);
    const listed = await api<{ memories: unknown[] }>(t, "GET", "/v1/memories?limit=10");
    expect(listed.body.memories).toEqual([]);
  });

  it("authenticates with Authorization: Token <key>, and refuses a missing or wrong key", async () => {
    const t = await newTenant();
    const missing = await memos(null, "/search/memory", { query: "x", user_id: "u" });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: 40100, error: { code: "unauthorized" } });
    const wrong = await memos(null, "/search/memory", { query: "x", user_id: "u" }, { authorization: "Token mk_live_notakey" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe(40132);
    const bearer = await memos(null, "/search/memory", { query: "x", user_id: "u" }, { authorization: `Bearer ${t.key}` });
    expect(bearer.status).toBe(200);
    const unknownRoute = await memos(t, "/chat", { query: "x" });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body.code).toBe(40001);
  });

  it("a read-only key reads but is refused every write, and nothing is stored", async () => {
    const writer = await newTenant();
    const { user, list } = await withMemories(writer);
    // A read-only key of the same tenant, through the admin API.
    const k = await api<{ key: string }>(null, "POST", `/v1/admin/tenants/${writer.id}/keys`, { name: "ro", scopes: ["memories:read"] }, { authorization: ADMIN });
    expect(k.status).toBe(201);
    const reader: Tenant = { id: writer.id, key: k.body.key, auth: {} };
    const read = await memos<SearchData>(reader, "/search/memory", { query: "Boston", user_id: user });
    expect(read.status).toBe(200);
    expect(read.body.data.memory_detail_list.length).toBeGreaterThan(0);
    const writes: Array<[string, unknown]> = [
      ["/add/message", { user_id: user, conversation_id: "c", messages: [{ role: "user", content: "I own a red kayak." }] }],
      ["/delete/memory", { memory_ids: [list[0]?.id] }],
      ["/add/feedback", { user_id: user, conversation_id: "c", feedback_content: "I live in Rome" }],
    ];
    for (const [route, body] of writes) {
      const r = await memos(reader, route, body);
      expect(r.status, route).toBe(403);
      expect(r.body).toMatchObject({ code: 40130, data: null, error: { code: "forbidden" } });
    }
    const after = (await memos<GetData>(writer, "/get/memory", { user_id: user })).body.data.memory_detail_list;
    expect(after.map((m) => m.id).sort()).toEqual(list.map((m) => m.id).sort());
  });

  it("another tenant's memories and tasks are unreachable", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const { user, list } = await withMemories(a);
    const id = list[0]?.id as string;
    const search = await memos<SearchData>(b, "/search/memory", { query: "Boston", user_id: user });
    expect(search.body.data.memory_detail_list).toEqual([]);
    const got = await memos<GetData>(b, "/get/memory", { user_id: user });
    expect(got.body.data.memory_detail_list).toEqual([]);
    const del = await memos(b, "/delete/memory", { memory_ids: [id] });
    expect(del.status).toBe(404);
    const fb = await memos(b, "/add/feedback", { user_id: user, conversation_id: "c", feedback_content: "I live in Rome" });
    expect(fb.status).toBe(404);
    const add = await memos<{ task_id: string }>(a, "/add/message", { user_id: user, conversation_id: "c", messages: [{ role: "user", content: "I own a red kayak." }] });
    const status = await memos(b, "/get/status", { task_id: add.body.data.task_id });
    expect(status.status).toBe(404);
    const still = (await memos<GetData>(a, "/get/memory", { user_id: user })).body.data.memory_detail_list.map((m) => m.id);
    expect(still).toContain(id);
  });
});
