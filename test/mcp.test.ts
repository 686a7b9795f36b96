// The MCP server at /mcp through the real SDK client over Streamable HTTP, in workerd: the tools,
// their schemas, each call, bad arguments, scopes, authentication and tenant isolation.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { ADMIN, BASE, api, newTenant, uniq, type Tenant } from "./helpers";

const TOOLS = ["add_memories", "delete_memories", "delete_memory", "get_context", "get_memory", "get_skill", "instantiate_skill", "list_memories", "memory_history", "search_memories", "search_skills", "update_memory"];

interface Mem { id: string; text: string; version: number; state: string; user_id: string; cube_id: string; tags: string[] }

/** An SDK client connected to the Worker, every request through SELF.fetch with the key as a Bearer token. */
async function connect(key: string | null): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    fetch: (url, init) => SELF.fetch(url, init),
    requestInit: key === null ? {} : { headers: { authorization: `Bearer ${key}` } },
  });
  // The SDK's default validator (Ajv) compiles schemas to code, which workerd forbids.
  const client = new Client({ name: "memos-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

type Result = Awaited<ReturnType<Client["callTool"]>>;

function textOf(r: Result): string {
  const content = r.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? "").join("");
}

/** Calls a tool that must succeed; answers its structured content. */
async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} failed: ${textOf(r)}`);
  expect(JSON.parse(textOf(r))).toEqual(r.structuredContent);
  return r.structuredContent as T;
}

/** Calls a tool that must fail; answers its error text. */
async function fails(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  expect(r.isError, `${name} should fail`).toBe(true);
  expect(r.structuredContent).toBeUndefined();
  return textOf(r);
}

async function withMemory(t: Tenant, text: string): Promise<{ client: Client; user: string; memory: Mem }> {
  const client = await connect(t.key);
  const user = uniq("u");
  const out = await call<{ cube_id: string; memories: Mem[] }>(client, "add_memories", { user_id: user, text, infer: false, tags: ["drink"] });
  expect(out.cube_id).toBe(`user:${user}`);
  return { client, user, memory: out.memories[0] as Mem };
}

function initialize(id = 1) {
  return JSON.stringify({ jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
}
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("mcp", () => {
  it("lists every tool with its input and output schema", async () => {
    const client = await connect((await newTenant()).key);
    expect(client.getServerVersion()?.name).toBe("memos-edge");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type, tool.name).toBe("object");
    }
    const add = tools.find((t) => t.name === "add_memories");
    expect(Object.keys(add?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(["user_id", "cube_id", "messages", "text", "infer", "sync"]));
    expect(add?.inputSchema).toMatchObject({ additionalProperties: false });
    const search = tools.find((t) => t.name === "search_memories");
    expect(search?.inputSchema.required).toEqual(["query"]);
    expect(search?.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === "delete_memory")?.annotations?.destructiveHint).toBe(true);
    const deleteScope = tools.find((t) => t.name === "delete_memories");
    expect(deleteScope?.annotations?.destructiveHint).toBe(true);
    expect(Object.keys(deleteScope?.inputSchema.properties ?? {}).sort()).toEqual(["agent_id", "cube_id", "idempotency_key", "session_id", "user_id"]);
    expect(Object.keys(deleteScope?.outputSchema?.properties ?? {})).toEqual(["deleted"]);
    await client.close();
  });

  it("calls each tool: add, get, list, search, get_context, update, history, delete", async () => {
    const t = await newTenant();
    const { client, user, memory } = await withMemory(t, "Alice prefers green tea in the morning");
    expect(memory).toMatchObject({ text: "Alice prefers green tea in the morning", version: 1, state: "active", user_id: user, tags: ["drink"] });

    expect(await call<Mem>(client, "get_memory", { id: memory.id })).toMatchObject({ id: memory.id, text: memory.text });
    expect(await call<Mem>(client, "get_memory", { id: memory.id, user_id: user })).toMatchObject({ id: memory.id });

    const list = await call<{ memories: Mem[]; next_cursor: string | null }>(client, "list_memories", { user_id: user, tags: ["drink"] });
    expect(list.memories.map((m) => m.id)).toEqual([memory.id]);
    expect(list.next_cursor).toBeNull();

    const found = await call<{ results: Array<{ memory: Mem; score: number }> }>(client, "search_memories", { query: "what tea does Alice drink", user_id: user });
    expect(found.results[0]?.memory.id).toBe(memory.id);
    expect(found.results[0]?.score).toBeGreaterThan(0);

    const ctx = await call<{ context: string; included: string[]; considered: number; tokens_used: number }>(client, "get_context", { query: "Alice tea", user_id: user, budget_tokens: 200 });
    expect(ctx.included).toEqual([memory.id]);
    expect(ctx.context).toContain("green tea");
    expect(ctx.considered).toBe(1);
    expect(ctx.tokens_used).toBeLessThanOrEqual(200);

    const edited = await call<Mem>(client, "update_memory", { id: memory.id, text: "Alice prefers oolong tea", expected_version: 1 });
    expect(edited).toMatchObject({ id: memory.id, text: "Alice prefers oolong tea", version: 2 });
    expect(await fails(client, "update_memory", { id: memory.id, text: "stale", expected_version: 1 })).toMatch(/^conflict: .*at version 2, not 1/);

    const history = await call<{ versions: Array<{ version: number; memory: Mem }> }>(client, "memory_history", { id: memory.id });
    expect(history.versions.map((v) => [v.version, v.memory.text])).toEqual([[1, "Alice prefers green tea in the morning"], [2, "Alice prefers oolong tea"]]);

    expect(await call(client, "delete_memory", { id: memory.id })).toEqual({ id: memory.id, deleted: true });
    expect(await fails(client, "get_memory", { id: memory.id, user_id: user })).toMatch(/^not_found: /);
    await client.close();
  });

  it("extracts from messages through a job, and waits for it with sync", async () => {
    const client = await connect((await newTenant()).key);
    const user = uniq("u");
    const queued = await call<{ job: { id: string; state: string } }>(client, "add_memories", { user_id: user, messages: [{ role: "user", content: "I moved to Lisbon last year." }] });
    expect(queued.job.id).toMatch(/^job_/);
    type JobResult = { memory_ids: string[]; added: number; skipped: number; detail: { extractor: string; candidates: number; added: string[]; repeats: number; judged: unknown[] } };
    const sync = await call<{ job: { state: string; result: JobResult }; memories: Mem[] }>(client, "add_memories", { user_id: user, sync: true, messages: [{ role: "user", content: "My sister Carla is a pianist." }] });
    expect(sync.job.state).toBe("succeeded");
    expect(Array.isArray(sync.memories)).toBe(true);
    // The typed job result (the SDK client also checked it against the tool's output schema).
    const { result } = sync.job;
    expect(result.memory_ids).toEqual(sync.memories.map((m) => m.id));
    expect(result.added).toBe(result.detail.added.length);
    expect(result.detail).toMatchObject({ extractor: "rules", candidates: expect.any(Number), repeats: 0 });
    expect(result.detail.candidates).toBe(result.added + result.skipped);
    await client.close();
  });

  it("rejects bad arguments with a tool error and changes nothing", async () => {
    const t = await newTenant();
    const { client, user, memory } = await withMemory(t, "a fact to keep");
    expect(await fails(client, "add_memories", { user_id: user })).toMatch(/Input validation error.*give exactly one of messages or text/s);
    expect(await fails(client, "add_memories", { text: "no target", infer: false })).toMatch(/give user_id or cube_id/);
    expect(await fails(client, "add_memories", { user_id: user, text: "x", infer: false, colour: "red" })).toMatch(/Input validation error/);
    expect(await fails(client, "search_memories", { user_id: user })).toMatch(/Input validation error.*query/s);
    expect(await fails(client, "search_memories", { query: "x", top_k: 0 })).toMatch(/Input validation error.*top_k/s);
    expect(await fails(client, "get_memory", { id: 42 })).toMatch(/Input validation error.*id/s);
    expect(await fails(client, "list_memories", { user_id: user, limit: "ten" })).toMatch(/Input validation error.*limit/s);
    expect(await fails(client, "update_memory", { id: memory.id })).toMatch(/nothing to change/);
    expect(await fails(client, "update_memory", { id: memory.id, state: "deleted" })).toMatch(/Input validation error.*state/s);
    expect(await fails(client, "list_memories", { user_id: user, cursor: "not-a-cursor" })).toMatch(/^invalid_request: /);
    // A tool that does not exist is refused too, and the connection stays usable.
    const unknown = await client.callTool({ name: "drop_everything", arguments: {} }).catch((e: Error) => ({ isError: true, content: [{ type: "text", text: e.message }] }));
    expect(unknown.isError).toBe(true);
    const list = await call<{ memories: Mem[] }>(client, "list_memories", { user_id: user });
    expect(list.memories.map((m) => [m.id, m.text, m.version])).toEqual([[memory.id, "a fact to keep", 1]]);
    await client.close();
  });

  it("refuses write tools to a read-only key, and lets an admin key write", async () => {
    const writer = await newTenant();
    const { user, memory } = await withMemory(writer, "read me");
    // A second key of the same tenant, holding only memories:read.
    const k = await SELF.fetch(`${BASE}/v1/admin/tenants/${writer.id}/keys`, { method: "POST", headers: { authorization: ADMIN, "content-type": "application/json" }, body: JSON.stringify({ name: "ro", scopes: ["memories:read"] }) });
    expect(k.status).toBe(201);
    const reader = ((await k.json()) as { key: string }).key;
    const ro = await connect(reader);
    const refused = await ro.callTool({ name: "add_memories", arguments: { user_id: user, text: "nope", infer: false } });
    expect(refused).toMatchObject({ isError: true, _meta: { code: "forbidden" } });
    expect(textOf(refused)).toBe("forbidden: this key lacks the memories:write scope");
    expect(await fails(ro, "update_memory", { id: memory.id, text: "nope" })).toMatch(/^forbidden: /);
    expect(await fails(ro, "delete_memory", { id: memory.id })).toMatch(/^forbidden: /);
    expect(await fails(ro, "delete_memories", { user_id: user })).toMatch(/^forbidden: /);
    expect(await call<Mem>(ro, "get_memory", { id: memory.id })).toMatchObject({ text: "read me", version: 1 });
    await ro.close();

    const writeOnly = await connect((await newTenant(["memories:write"])).key);
    expect(await fails(writeOnly, "search_memories", { query: "anything" })).toBe("forbidden: this key lacks the memories:read scope");
    await writeOnly.close();

    const admin = await connect((await newTenant(["admin"])).key);
    const added = await call<{ memories: Mem[] }>(admin, "add_memories", { user_id: uniq("u"), text: "admin may write", infer: false });
    expect(added.memories[0]?.text).toBe("admin may write");
    await admin.close();
  });

  it("answers 401 without a valid key, before any MCP message is read", async () => {
    const auths: Record<string, string>[] = [{}, { authorization: "Bearer nope" }, { authorization: "Bearer mk_live_0000000000000000000000000000000000000000" }];
    for (const auth of auths) {
      const res = await SELF.fetch(`${BASE}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...auth }, body: initialize() });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    await expect(connect(null)).rejects.toThrow(/401|unauthorized/i);
    await expect(connect("not-a-key")).rejects.toThrow(/401|unauthorized/i);
  });

  it("answers 405 to GET and DELETE (stateless: no stream, no session)", async () => {
    const t = await newTenant();
    for (const method of ["GET", "DELETE"]) {
      const res = await SELF.fetch(`${BASE}/mcp`, { method, headers: { ...t.auth, accept: "text/event-stream" } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      await res.body?.cancel();
    }
    // A raw initialize is answered with JSON and no session id.
    const res = await SELF.fetch(`${BASE}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...t.auth }, body: initialize(7) });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", id: 7, result: { serverInfo: { name: "memos-edge" } } });
  });

  it("never reaches another tenant's memory", async () => {
    const a = await newTenant();
    const { client: ca, user, memory } = await withMemory(a, "tenant A's secret plan");
    const cb = await connect((await newTenant()).key);
    expect(await fails(cb, "get_memory", { id: memory.id })).toMatch(/^not_found: /);
    expect(await fails(cb, "get_memory", { id: memory.id, user_id: user })).toMatch(/^not_found: /);
    expect(await fails(cb, "memory_history", { id: memory.id })).toMatch(/^not_found: /);
    expect(await fails(cb, "update_memory", { id: memory.id, text: "hijacked" })).toMatch(/^not_found: /);
    expect(await fails(cb, "delete_memory", { id: memory.id, cube_id: memory.cube_id })).toMatch(/^not_found: /);
    expect(await fails(cb, "list_memories", { user_id: user })).toMatch(/^not_found: /);
    const everywhere = await call<{ results: Array<{ memory: Mem }> }>(cb, "search_memories", { query: "secret plan" });
    expect(everywhere.results).toEqual([]);
    const all = await call<{ memories: Mem[] }>(cb, "list_memories", {});
    expect(all.memories).toEqual([]);
    // Still there, unchanged, for its owner.
    expect(await call<Mem>(ca, "get_memory", { id: memory.id })).toMatchObject({ text: "tenant A's secret plan", version: 1 });
    await ca.close();
    await cb.close();
  });
  it("delete_memories erases a user's scope, narrowed by agent and session, or a cube; bad arguments and other tenants change nothing", async () => {
    const t = await newTenant();
    const client = await connect(t.key);
    const user = uniq("u");
    const add = async (text: string, where: Record<string, string>) => (await call<{ memories: Mem[] }>(client, "add_memories", { user_id: user, text, infer: false, ...where })).memories[0] as Mem;
    const first = await add("planner, session one", { agent_id: "planner", session_id: "s1" });
    await add("planner, session two", { agent_id: "planner", session_id: "s2" });
    await add("coach, session one", { agent_id: "coach", session_id: "s1" });
    await add("coach, session two", { agent_id: "coach", session_id: "s2" });
    const texts = async () => (await call<{ memories: Mem[] }>(client, "list_memories", { user_id: user })).memories.map((m) => m.text).sort();

    // Bad arguments: refused, nothing deleted.
    expect(await fails(client, "delete_memories", {})).toMatch(/give user_id or cube_id/);
    expect(await fails(client, "delete_memories", { agent_id: "planner" })).toMatch(/give user_id or cube_id/);
    expect(await fails(client, "delete_memories", { user_id: user, tags: ["x"] })).toMatch(/Input validation error/);
    expect(await fails(client, "delete_memories", { user_id: 42 })).toMatch(/Input validation error.*user_id/s);
    expect(await fails(client, "delete_memories", { user_id: "bad id" })).toMatch(/Input validation error.*user_id/s);
    expect(await texts()).toHaveLength(4);

    // Another tenant naming the same user does not reach this tenant's cube.
    const other = await connect((await newTenant()).key);
    expect(await fails(other, "delete_memories", { user_id: user })).toMatch(/^not_found: /);
    expect(await fails(other, "delete_memories", { cube_id: first.cube_id })).toMatch(/^not_found: /);
    expect(await texts()).toHaveLength(4);

    expect(await call(client, "delete_memories", { user_id: user, agent_id: "coach", session_id: "s2" })).toEqual({ deleted: 1 });
    expect(await texts()).toEqual(["coach, session one", "planner, session one", "planner, session two"]);
    expect(await call(client, "delete_memories", { user_id: user, session_id: "s2" })).toEqual({ deleted: 1 });
    expect(await texts()).toEqual(["coach, session one", "planner, session one"]);
    expect(await call(client, "delete_memories", { user_id: user, agent_id: "coach" })).toEqual({ deleted: 1 });
    expect(await texts()).toEqual(["planner, session one"]);
    await add("no agent, no session", {});
    expect(await texts()).toEqual(["no agent, no session", "planner, session one"]);

    // Once per idempotency_key: the retry answers the first count; the key with other arguments is refused.
    const wipe = { user_id: user, idempotency_key: "wipe-1" };
    expect(await call(client, "delete_memories", wipe)).toEqual({ deleted: 2 });
    expect(await call(client, "delete_memories", wipe)).toEqual({ deleted: 2 });
    expect(await fails(client, "delete_memories", { ...wipe, agent_id: "planner" })).toMatch(/^conflict:/);
    expect(await texts()).toEqual([]);
    expect(await fails(client, "get_memory", { id: first.id })).toMatch(/^not_found: /);

    // A named cube, by cube_id; another tenant cannot reach it.
    const cube = uniq("team");
    expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "Team" })).status).toBe(201);
    await call(client, "add_memories", { cube_id: cube, text: "team fact", infer: false });
    expect(await fails(other, "delete_memories", { cube_id: cube })).toMatch(/^not_found: /);
    expect(await call(client, "delete_memories", { cube_id: cube })).toEqual({ deleted: 1 });
    expect((await call<{ memories: Mem[] }>(client, "list_memories", { cube_id: cube })).memories).toEqual([]);
    await client.close();
    await other.close();
  });
  it("applies a write tool once per idempotency_key, and refuses the key for other arguments", async () => {
    const t = await newTenant();
    const client = await connect(t.key);
    const user = uniq("u");
    const args = { user_id: user, text: "Bea plays the cello", infer: false, idempotency_key: "retry-1" };
    const first = await call<{ memories: Mem[] }>(client, "add_memories", args);
    const again = await call<{ memories: Mem[] }>(client, "add_memories", args);
    expect(again.memories.map((m) => m.id)).toEqual(first.memories.map((m) => m.id));
    expect(await fails(client, "add_memories", { ...args, text: "Bea plays the drums" })).toMatch(/^conflict:/);
    const id = (first.memories[0] as Mem).id;
    const edit = { id, text: "Bea plays the viola", idempotency_key: "edit-1" };
    expect((await call<Mem>(client, "update_memory", edit)).version).toBe(2);
    expect((await call<Mem>(client, "update_memory", edit)).version).toBe(2);
    const listed = await call<{ memories: Mem[] }>(client, "list_memories", { user_id: user });
    expect(listed.memories.map((m) => [m.text, m.version])).toEqual([["Bea plays the viola", 2]]);
    const del = { id, idempotency_key: "del-1" };
    expect(await call(client, "delete_memory", del)).toEqual({ id, deleted: true });
    expect(await call(client, "delete_memory", del)).toEqual({ id, deleted: true });
    await client.close();
  });
});
