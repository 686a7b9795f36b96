// POST /v1/chat against the real bridge and its vLLM stand-in: JSON and SSE answers, the memos
// report, the turn recorded into working memory, the KV cache reused, 503 without a bridge, bad input.
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { api, BASE, newTenant, uniq, type Tenant } from "./helpers";
import type { ChatMemos } from "../src/services/chat";

type Memos = ChatMemos;
interface Completion {
  id: string;
  object: string;
  model: string;
  choices: Array<{ message: { role: string; content: string }; finish_reason: string | null }>;
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  memos: Memos;
}
interface Err { error: { code: string; message: string } }
interface Turns { turns: Array<{ role: string; content: string }> }

async function seed(t: Tenant, user: string): Promise<string[]> {
  const ids: string[] = [];
  for (const text of ["Ann lives in Lyon", "Ann plays the cello every Sunday", "Ann prefers green tea"]) {
    const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ids.push((r.body.memories[0] as { id: string }).id);
  }
  return ids;
}
const ask = (user: string, session: string, content = "Where does Ann live?", over: Record<string, unknown> = {}) => ({ user_id: user, session_id: session, infer: false, messages: [{ role: "user", content }], ...over });
const turnsOf = async (t: Tenant, user: string, session: string) => (await api<Turns>(t, "GET", `/v1/sessions/${session}/working-memory?user_id=${user}`)).body.turns ?? [];

/** The data lines of an SSE body, parsed; the last is "[DONE]". */
function sseData(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((r) => r.startsWith("data: "))
    .map((r) => r.slice(6))
    .map((d) => (d === "[DONE]" ? d : (JSON.parse(d) as unknown)));
}

describe("POST /v1/chat", () => {
  it("answers an OpenAI-shaped completion with the memos report and records the turn into the session", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const ids = await seed(t, user);
    const session = uniq("s");
    const r = await api<Completion>(t, "POST", "/v1/chat", ask(user, session));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.object).toBe("chat.completion");
    expect(r.body.id).toMatch(/^chatcmpl-/);
    expect(r.body.model).toBe("llama-3-8b");
    expect(r.body.choices[0]?.message).toEqual({ role: "assistant", content: "Hello there" });
    const m = r.body.memos;
    expect(m).toMatchObject({ cube_id: `user:${user}`, session_id: session, adapter: null, cache_hit: false });
    expect(m.memory_ids).toContain(ids[0]);
    expect(m.tokens.block).toBeGreaterThan(0);
    expect(m.tokens.memories).toBeGreaterThan(0);
    expect(m.tokens.conversation).toBeGreaterThan(0);
    expect(m.tokens.completion).toBe(3);
    expect(r.body.usage.prompt_tokens).toBeGreaterThan(m.tokens.conversation);
    expect(m.job_id).toMatch(/^job_/);
    expect(await turnsOf(t, user, session)).toEqual([expect.objectContaining({ role: "user", content: "Where does Ann live?" }), expect.objectContaining({ role: "assistant", content: "Hello there" })]);
    // The same user again: the block's prefix now comes from the node's KV cache; working memory comes first after it.
    const again = await api<Completion>(t, "POST", "/v1/chat", ask(user, session, "What does Ann play?"));
    expect(again.status).toBe(200);
    expect(again.body.memos.cache_hit).toBe(true);
    expect(again.body.memos.cached_tokens).toBeGreaterThan(0);
    expect(again.body.memos.tokens.working_memory).toBeGreaterThan(0);
    expect(await turnsOf(t, user, session)).toHaveLength(4);
  });

  it("streams chat.completion.chunk events, a last chunk with usage and memos, then [DONE]", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await seed(t, user);
    const session = uniq("s");
    const r = await SELF.fetch(`${BASE}/v1/chat`, { method: "POST", headers: { ...t.auth, "content-type": "application/json" }, body: JSON.stringify(ask(user, session, "Where does Ann live?", { stream: true })) });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = sseData(await r.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1) as Array<{ object: string; id: string; choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>; memos?: Memos; usage?: Completion["usage"] }>;
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]?.id)).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello there");
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(3);
    expect(last?.memos).toMatchObject({ cube_id: `user:${user}`, session_id: session, adapter: null });
    expect(await turnsOf(t, user, session)).toHaveLength(2);
  });

  it("opens the prompt with the registered activation block once the scheduler placed it, and reports it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await seed(t, user);
    for (let i = 0; i < 2; i++) await api(t, "POST", "/v1/search", { user_id: user, query: "Ann Lyon cello tea" });
    const s = await api<{ activation: { blocks: Array<{ user_id: string; block_id: string | null }> } }>(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    const block = s.body.activation.blocks.find((b) => b.user_id === user)?.block_id;
    expect(block).toMatch(/^blk/);
    const r = await api<Completion>(t, "POST", "/v1/chat", ask(user, uniq("s")));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.memos.block_id).toBe(block);
    // Warmed by the registration: the first chat of the user already hits the cache.
    expect(r.body.memos.cache_hit).toBe(true);
    // The bridge dropped the block (its LRU across cubes) before the scheduler noticed: the same text goes inline.
    expect((await api(t, "DELETE", `/v1/cubes/user:${user}/activation/${block as string}`)).status).toBe(200);
    const after = await api<Completion>(t, "POST", "/v1/chat", ask(user, uniq("s")));
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect(after.body.memos.block_id).toBeNull();
    expect(after.body.memos.cache_hit).toBe(true);
  });

  it("answers 503 upstream_unavailable without a bridge and records nothing; search keeps working", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await seed(t, user);
    const session = uniq("s");
    const res = await app.request(`${BASE}/v1/chat`, { method: "POST", headers: { ...t.auth, "content-type": "application/json" }, body: JSON.stringify(ask(user, session)) }, { ...env, BRIDGE_URL: "" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Err).error.code).toBe("upstream_unavailable");
    expect(await turnsOf(t, user, session)).toEqual([]);
    const search = await app.request(`${BASE}/v1/search`, { method: "POST", headers: { ...t.auth, "content-type": "application/json" }, body: JSON.stringify({ user_id: user, query: "Lyon" }) }, { ...env, BRIDGE_URL: "" });
    expect(search.status).toBe(200);
  });

  it("refuses bad input with 400 and another tenant's cube with 404, recording nothing", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const user = uniq("u");
    await seed(t, user);
    await seed(other, user);
    const session = uniq("s");
    const bad: Array<[string, unknown]> = [
      ["empty messages", { user_id: user, session_id: session, messages: [] }],
      ["unknown role", { user_id: user, session_id: session, messages: [{ role: "tool", content: "x" }] }],
      ["blank content", { user_id: user, session_id: session, messages: [{ role: "user", content: "  " }] }],
      ["oversized message", { user_id: user, session_id: session, messages: [{ role: "user", content: "a".repeat(32_001) }] }],
      ["last turn not the user's", { user_id: user, session_id: session, messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }] }],
      ["unknown field", { user_id: user, session_id: session, messages: [{ role: "user", content: "hi" }], top_p: 0.9 }],
      ["no cube", { session_id: session, messages: [{ role: "user", content: "hi" }] }],
    ];
    for (const [why, body] of bad) {
      const r = await api<Err>(t, "POST", "/v1/chat", body);
      expect(r.status, why).toBe(400);
      expect(r.body.error.code, why).toBe("invalid_request");
    }
    const cross = await api<Err>(other, "POST", "/v1/chat", { cube_id: `user:${uniq("nobody")}`, session_id: session, messages: [{ role: "user", content: "hi" }] });
    expect(cross.status).toBe(404);
    const intoOther = await api<Err>(t, "POST", "/v1/chat", { cube_id: "team-of-someone-else", session_id: session, messages: [{ role: "user", content: "hi" }] });
    expect(intoOther.status).toBe(404);
    expect(await turnsOf(t, user, session)).toEqual([]);
    expect(await turnsOf(other, user, session)).toEqual([]);
  });
});
