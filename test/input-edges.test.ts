// The edges of input: ill-formed Unicode, bytes that are not UTF-8, blank text, a byte-order mark,
// unknown fields on the GPU routes, and the security headers of the answers and the /docs page.
import { describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { api, BASE, newTenant, uniq, type Tenant } from "./helpers";

type Err = { error: { code: string; message: string; details?: Array<{ path: string }> } };

async function raw(t: Tenant, path: string, body: BodyInit, contentType = "application/json"): Promise<{ status: number; body: Err }> {
  const res = await SELF.fetch(`${BASE}${path}`, { method: "POST", headers: { ...t.auth, "content-type": contentType }, body });
  return { status: res.status, body: (await res.json()) as Err };
}

const count = async (t: Tenant, user: string) => (await api<{ memories: unknown[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories.length;

describe("input edges", () => {
  it("refuses a lone surrogate in a value or a key with 400 and stores nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "exists", infer: false });
    // JSON escapes can name half of a surrogate pair; no store keeps such a string as sent.
    for (const body of [`{"user_id":"${user}","text":"bad \\ud800 half","infer":false}`, `{"user_id":"${user}","text":"ok","infer":false,"metadata":{"\\udc00":1}}`]) {
      const r = await raw(t, "/v1/memories", body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(r.body.error.message).toMatch(/surrogate/);
    }
    // A proper pair (an emoji) is kept exactly.
    const emoji = await api<{ memories: Array<{ text: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "likes \ud83c\udf75 tea", infer: false });
    expect(emoji.body.memories[0]?.text).toBe("likes 🍵 tea");
    expect(await count(t, user)).toBe(2);
  });

  it("refuses a body whose bytes are not UTF-8", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const bytes = new Uint8Array([...new TextEncoder().encode(`{"user_id":"${user}","text":"caf`), 0xe9, ...new TextEncoder().encode(`","infer":false}`)]);
    const r = await raw(t, "/v1/memories", bytes);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/UTF-8/);
  });

  it("refuses text that is empty or only whitespace on every route that stores or searches text", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann drinks tea", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    const blank = " \t\n\u00a0\u3000 ";
    const attempts: Array<[string, string, unknown]> = [
      ["POST", "/v1/memories", { user_id: user, text: blank, infer: false }],
      ["POST", "/v1/memories", { user_id: user, messages: [{ role: "user", content: blank }] }],
      ["PATCH", `/v1/memories/${id}`, { text: blank }],
      ["POST", "/v1/search", { query: blank, user_id: user }],
      ["POST", "/v1/context", { query: blank, user_id: user }],
      ["POST", "/v1/feedback", { memory_id: id, correction: blank }],
    ];
    for (const [method, path, body] of attempts) {
      const r = await api<Err>(t, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const list = await api<{ memories: Array<{ text: string; version: number }> }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(list.body.memories).toEqual([expect.objectContaining({ text: "Ann drinks tea", version: 1 })]);
  });

  it("accepts a body that starts with a byte-order mark and stores the text without it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const r = await raw(t, "/v1/memories", `\ufeff{"user_id":"${user}","text":"Ann drinks tea","infer":false}`);
    expect(r.status).toBe(201);
    const list = await api<{ memories: Array<{ text: string }> }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(list.body.memories.map((m) => m.text)).toEqual(["Ann drinks tea"]);
  });

  it("refuses unknown fields on the GPU memory routes", async () => {
    const t = await newTenant();
    const cube = uniq("gpu");
    await api(t, "POST", "/v1/cubes", { id: cube, name: "GPU memory" });
    for (const [path, body] of [
      [`/v1/cubes/${cube}/activation`, { text: "Alice lives in Lyon.", pin: true }],
      [`/v1/cubes/${cube}/adapters`, { name: "a", base_model: "m", source: "/x", extra: 1 }],
      [`/v1/cubes/${cube}/adapters/train`, { adapter_name: "a", base_model: "m", dataset: { texts: ["x"], format: "csv" } }],
    ] as const) {
      const r = await api<Err>(t, "POST", path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect((await api<{ blocks: unknown[] }>(t, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toEqual([]);
  });

  it("sends nosniff on every answer, and a Content-Security-Policy that allows no inline script on /docs", async () => {
    const t = await newTenant();
    const apiAnswer = await SELF.fetch(`${BASE}/v1/cubes`, { headers: t.auth });
    expect(apiAnswer.headers.get("x-content-type-options")).toBe("nosniff");
    const page = await SELF.fetch(`${BASE}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const html = await page.text();
    expect(html).toMatch(/<script src="\/docs\/app\.js"><\/script>/);
    expect(html).not.toMatch(/<script>/);
    const script = await SELF.fetch(`${BASE}/docs/app.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(await script.text()).toMatch(/openapi\.json/);
  });
});
