// The explicit memory API end to end through SELF.fetch: add, list, get, patch, history, delete.
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq } from "./helpers";

interface Mem { id: string; text: string; version: number; state: string; user_id: string; cube_id: string; tags: string[]; hash: string; valid_to: string | null }

describe("memories", () => {
  it("adds directly with infer:false, then reads it back by id and in the listing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const add = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "Alice prefers green tea", infer: false, tags: ["drink"] });
    expect(add.status).toBe(201);
    const m = add.body.memories[0] as Mem;
    expect(m.id).toMatch(/^mem_/);
    expect(m).toMatchObject({ text: "Alice prefers green tea", version: 1, state: "active", user_id: user, cube_id: `user:${user}`, tags: ["drink"] });
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);

    const got = await api<Mem>(t, "GET", `/v1/memories/${m.id}?user_id=${user}`);
    expect(got.status).toBe(200);
    expect(got.body.text).toBe("Alice prefers green tea");

    const list = await api<{ memories: Mem[]; next_cursor: string | null }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(list.body.memories.map((x) => x.id)).toEqual([m.id]);
    expect(list.body.next_cursor).toBeNull();
  });

  it("pages a listing with an opaque cursor, newest first, without repeats", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const texts = ["one", "two", "three", "four", "five"].map((w) => `memory number ${w}`);
    await api(t, "POST", "/v1/memories", { user_id: user, messages: texts.map((content) => ({ role: "user", content })), infer: false });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { memories: Mem[]; next_cursor: string | null } } = await api(t, "GET", `/v1/memories?user_id=${user}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.memories.map((x) => x.text));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...texts].reverse());
  });

  it("filters a listing by tags and session", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, session_id: "s1", text: "a tagged one", infer: false, tags: ["x", "y"] });
    await api(t, "POST", "/v1/memories", { user_id: user, session_id: "s2", text: "another", infer: false, tags: ["y"] });
    const both = await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}&tags=x,y`);
    expect(both.body.memories.map((m) => m.text)).toEqual(["a tagged one"]);
    const s2 = await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}&session_id=s2`);
    expect(s2.body.memories.map((m) => m.text)).toEqual(["another"]);
  });

  it("patches into a new version and keeps every version in history, oldest first", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { body } = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "Bob lives in Berlin", infer: false });
    const id = (body.memories[0] as Mem).id;
    const patched = await api<Mem>(t, "PATCH", `/v1/memories/${id}?user_id=${user}`, { text: "Bob lives in Paris", expected_version: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, text: "Bob lives in Paris", version: 2 });

    const stale = await api<{ error: { code: string } }>(t, "PATCH", `/v1/memories/${id}?user_id=${user}`, { text: "Bob lives in Rome", expected_version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("conflict");

    const hist = await api<{ versions: Array<{ version: number; reason: string; memory: Mem }> }>(t, "GET", `/v1/memories/${id}/history?user_id=${user}`);
    expect(hist.body.versions.map((v) => [v.version, v.reason, v.memory.text])).toEqual([
      [1, "create", "Bob lives in Berlin"],
      [2, "edit", "Bob lives in Paris"],
    ]);
  });

  it("archives through PATCH: gone from the default listing, present with state=archived", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { body } = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, text: "old fact", infer: false });
    const id = (body.memories[0] as Mem).id;
    expect((await api(t, "PATCH", `/v1/memories/${id}?user_id=${user}`, { state: "archived" })).status).toBe(200);
    expect((await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories).toHaveLength(0);
    expect((await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}&state=archived`)).body.memories.map((m) => m.id)).toEqual([id]);
  });

  it("deletes one memory, and all memories of a scope", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { body } = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", {
      user_id: user,
      messages: [{ role: "user", content: "first" }, { role: "user", content: "second" }, { role: "user", content: "third" }],
      infer: false,
    });
    const [a] = body.memories as [Mem];
    const del = await api(t, "DELETE", `/v1/memories/${a.id}?user_id=${user}`);
    expect(del.status).toBe(200);
    expect((await api(t, "GET", `/v1/memories/${a.id}?user_id=${user}`)).status).toBe(404);
    expect((await api(t, "DELETE", `/v1/memories/${a.id}?user_id=${user}`)).status).toBe(404);
    const all = await api<{ deleted: number }>(t, "DELETE", `/v1/memories?user_id=${user}`);
    expect(all.body.deleted).toBe(2);
    expect((await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories).toHaveLength(0);
  });

  it("answers an idempotent retry with the first answer and stores once", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const req = { user_id: user, text: "retry me", infer: false };
    const first = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", req, { "idempotency-key": "k-1" });
    const second = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", req, { "idempotency-key": "k-1" });
    expect(second.status).toBe(201);
    expect(second.body.memories.map((m) => m.id)).toEqual(first.body.memories.map((m) => m.id));
    const other = await api<{ error: { code: string } }>(t, "POST", "/v1/memories", { ...req, text: "different" }, { "idempotency-key": "k-1" });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("conflict");
    expect((await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories).toHaveLength(1);
  });
});
