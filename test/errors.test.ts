// Bad input of every class gets a 4xx with a stable code and changes nothing.
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import type { AppEnv } from "../src/api/app-env";
import { onError, requestId } from "../src/api/middleware";
import { SELF } from "cloudflare:test";
import { api, BASE, newTenant, uniq } from "./helpers";

type Err = { error: { code: string; message: string; details?: unknown }; request_id: string };

async function count(t: Awaited<ReturnType<typeof newTenant>>, user: string): Promise<number> {
  const r = await api<{ memories: unknown[] }>(t, "GET", `/v1/memories?user_id=${user}&limit=200`);
  return r.status === 200 ? r.body.memories.length : 0;
}

describe("bad input", () => {
  it("refuses a missing, malformed or unknown key with 401", async () => {
    for (const auth of [undefined, "Bearer", "Bearer nope", "Basic abc", `Bearer mk_${"x".repeat(43)}`]) {
      const res = await SELF.fetch(`${BASE}/v1/memories?user_id=u`, { headers: auth ? { authorization: auth } : {} });
      expect(res.status).toBe(401);
      const body = (await res.json()) as Err;
      expect(body.error.code).toBe("unauthorized");
      expect(body.request_id).toBe(res.headers.get("x-request-id"));
    }
  });

  it("rejects malformed JSON, wrong types, unknown fields and missing fields, storing nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const cases: Array<[unknown, string]> = [
      ["{not json", "malformed"],
      [{ user_id: user, text: 42, infer: false }, "wrong type"],
      [{ user_id: user, text: "x", infer: false, surprise: true }, "unknown field"],
      [{ user_id: user, infer: false }, "neither text nor messages"],
      [{ user_id: user, text: "a", messages: [{ role: "user", content: "b" }], infer: false }, "both"],
      [{ text: "no scope", infer: false }, "no user or cube"],
      [{ user_id: "bad id with spaces", text: "x", infer: false }, "bad id"],
      [{ user_id: user, messages: [{ role: "wizard", content: "x" }] }, "bad role"],
      [{ user_id: user, text: "x", tags: Array.from({ length: 33 }, (_, i) => `t${i}`), infer: false }, "too many tags"],
      [{ user_id: user, messages: Array.from({ length: 1001 }, () => ({ role: "user", content: "x" })), infer: false }, "too many messages"],
      [{ user_id: user, text: "x".repeat(16_001), infer: false }, "text too long"],
    ];
    for (const [body, label] of cases) {
      const r = await api<Err>(t, "POST", "/v1/memories", body);
      expect(r.status, label).toBe(400);
      expect(r.body.error.code, label).toBe("invalid_request");
    }
    expect(await count(t, user)).toBe(0);
  });

  it("requires a JSON content type", async () => {
    const t = await newTenant();
    const res = await SELF.fetch(`${BASE}/v1/memories`, { method: "POST", headers: { ...t.auth, "content-type": "text/plain" }, body: JSON.stringify({ user_id: "u", text: "x" }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Err).error.code).toBe("invalid_request");
  });

  it("answers 413 payload_too_large for an oversized body", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const big = { user_id: user, infer: false, messages: Array.from({ length: 200 }, () => ({ role: "user", content: "y".repeat(15_000) })) };
    const r = await api<Err>(t, "POST", "/v1/memories", big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("payload_too_large");
    expect(await count(t, user)).toBe(0);
  });

  it("refuses a write with a read-only key (403) and a read with a write-only key", async () => {
    const reader = await newTenant(["memories:read"]);
    const w = await api<Err>(reader, "POST", "/v1/memories", { user_id: "u1", text: "x", infer: false });
    expect(w.status).toBe(403);
    expect(w.body.error.code).toBe("forbidden");
    const writer = await newTenant(["memories:write"]);
    expect((await api<Err>(writer, "GET", "/v1/memories?user_id=u1")).status).toBe(403);
    expect((await api<Err>(writer, "POST", "/v1/keys", { name: "k", scopes: ["admin"] })).status).toBe(403);
  });

  it("rejects bad query parameters and cursors", async () => {
    const t = await newTenant();
    expect((await api<Err>(t, "GET", "/v1/memories?user_id=u&limit=0")).status).toBe(400);
    expect((await api<Err>(t, "GET", "/v1/memories?user_id=u&limit=5000")).status).toBe(400);
    expect((await api<Err>(t, "GET", "/v1/memories?user_id=u&cursor=%%%")).body.error.code).toBe("invalid_request");
    expect((await api<Err>(t, "GET", "/v1/memories?user_id=u&state=zombie")).status).toBe(400);
    expect((await api<Err>(t, "GET", "/v1/memories?user_id=u&whatever=1")).status).toBe(400);
  });

  it("rejects an empty or unknown PATCH, and an unknown route with 404", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const { body } = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "keep me", infer: false });
    const id = (body.memories[0] as { id: string }).id;
    expect((await api<Err>(t, "PATCH", `/v1/memories/${id}?user_id=${user}`, {})).status).toBe(400);
    expect((await api<Err>(t, "PATCH", `/v1/memories/${id}?user_id=${user}`, { version: 3 })).status).toBe(400);
    expect((await api<{ text: string; version: number }>(t, "GET", `/v1/memories/${id}?user_id=${user}`)).body).toMatchObject({ text: "keep me", version: 1 });
    const nf = await api<Err>(t, "GET", "/v1/nothing-here");
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe("not_found");
  });

  it("answers 503 with Retry-After, not 500, when a cube object is overloaded or resetting", async () => {
    const probe = new Hono<AppEnv>();
    probe.use("*", requestId);
    probe.get("/busy", () => {
      // What a Durable Object stub throws when the object is overloaded.
      throw Object.assign(new Error("Durable Object is overloaded. Requests queued for too long."), { overloaded: true, retryable: false });
    });
    probe.get("/broken", () => {
      throw new Error("a bug");
    });
    probe.onError(onError);
    const busy = await probe.request("/busy");
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(((await busy.json()) as Err).error.code).toBe("upstream_unavailable");
    const broken = await probe.request("/broken");
    expect(broken.status).toBe(500);
    expect(((await broken.json()) as Err).error.code).toBe("internal");
  });

  it("echoes a well-formed X-Request-Id and replaces a hostile one", async () => {
    const ok = await SELF.fetch(`${BASE}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await SELF.fetch(`${BASE}/healthz`, { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
