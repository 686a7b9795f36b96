// The client's retries against a loopback HTTP server: Retry-After (seconds and HTTP date) honoured, bounds kept, keys reused, errors typed.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemosClient, MemosError, retryAfterMs } from "./memos-client";

interface Seen {
  at: number;
  method: string;
  key: string | undefined;
  auth: string | undefined;
}

/** Answers the queued statuses in turn (with their headers), then 200 `{"memories":[]}`; records what came. */
let script: { status: number; headers?: Record<string, string> }[] = [];
let seen: Seen[] = [];
let baseUrl = "";
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  seen.push({ at: Date.now(), method: req.method ?? "", key: req.headers["idempotency-key"] as string | undefined, auth: req.headers.authorization });
  req.resume();
  const next = script.shift();
  if (next) {
    res.writeHead(next.status, { "content-type": "application/json", "x-request-id": "req_loop", ...next.headers });
    res.end(JSON.stringify({ error: { code: next.status === 429 ? "rate_limited" : "upstream_unavailable", message: "try later" }, request_id: "req_loop" }));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ memories: [], next_cursor: null }));
});

beforeAll(async () => {
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((res) => server.close(() => res())));
beforeEach(() => {
  script = [];
  seen = [];
});

describe("client retries", () => {
  it("waits what Retry-After: 1 says after a 503, then returns the 200", async () => {
    script = [{ status: 503, headers: { "retry-after": "1" } }];
    const client = createMemosClient({ baseUrl, apiKey: "mk_test" });
    const list = await client.memories.list({ user_id: "u" });
    expect(list.memories).toEqual([]);
    expect(seen).toHaveLength(2);
    const [first, second] = seen as [Seen, Seen];
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.at - first.at).toBeLessThan(3_000);
    expect(first.auth).toBe("Bearer mk_test");
  });

  it("reads Retry-After as an HTTP date, and sends the same Idempotency-Key on every attempt of a write", async () => {
    script = [{ status: 429, headers: { "retry-after": new Date(Date.now() + 1_500).toUTCString() } }, { status: 503, headers: { "retry-after": "0" } }];
    const client = createMemosClient({ baseUrl, apiKey: "mk_test" });
    await client.memories.add({ user_id: "u", text: "hello", infer: false });
    expect(seen.map((s) => s.method)).toEqual(["POST", "POST", "POST"]);
    const keys = new Set(seen.map((s) => s.key));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(400);
  });

  it("a caller's Idempotency-Key is kept; a fresh one per call otherwise", async () => {
    const client = createMemosClient({ baseUrl, apiKey: "mk_test" });
    await client.memories.add({ user_id: "u", text: "a", infer: false }, { idempotencyKey: "chat-42" });
    await client.memories.add({ user_id: "u", text: "a", infer: false });
    await client.memories.add({ user_id: "u", text: "a", infer: false });
    await client.memories.list({ user_id: "u" });
    expect(seen[0]!.key).toBe("chat-42");
    expect(seen[1]!.key).not.toBe(seen[2]!.key);
    expect(seen[3]!.key).toBeUndefined();
  });

  it("gives up after maxAttempts with a MemosError carrying the code, status, request id and Retry-After", async () => {
    script = [0, 1, 2].map(() => ({ status: 429, headers: { "retry-after": "0" } }));
    const client = createMemosClient({ baseUrl, apiKey: "mk_test", retry: { maxAttempts: 3 } });
    const error = await client.memories.list({ user_id: "u" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemosError);
    expect(error).toMatchObject({ code: "rate_limited", status: 429, requestId: "req_loop", retryAfter: "0" });
    expect(seen).toHaveLength(3);
  });

  it("does not wait past its bounds: a Retry-After longer than maxDelayMs answers at once", async () => {
    script = [{ status: 503, headers: { "retry-after": "120" } }];
    const client = createMemosClient({ baseUrl, apiKey: "mk_test", retry: { maxDelayMs: 5_000 } });
    const started = Date.now();
    await expect(client.memories.list({ user_id: "u" })).rejects.toMatchObject({ code: "upstream_unavailable", status: 503 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen).toHaveLength(1);
  });

  it("retries a network error only when the request is idempotent", async () => {
    let failures = 0;
    const flaky = (input: Request) => (failures++ === 0 ? Promise.reject(new TypeError("fetch failed")) : fetch(input));
    const keyed = createMemosClient({ baseUrl, apiKey: "mk_test", fetch: flaky, retry: { baseDelayMs: 10 } });
    await keyed.memories.add({ user_id: "u", text: "a", infer: false });
    expect(seen).toHaveLength(1);

    failures = 0;
    const unkeyed = createMemosClient({ baseUrl, apiKey: "mk_test", fetch: flaky, idempotencyKeys: false, retry: { baseDelayMs: 10 } });
    await expect(unkeyed.memories.add({ user_id: "u", text: "a", infer: false })).rejects.toThrow("fetch failed");
    failures = 0;
    await unkeyed.memories.list({ user_id: "u" });
    expect(seen).toHaveLength(2);
  });

  it("reads Retry-After values", () => {
    expect(retryAfterMs("3")).toBe(3_000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:58 GMT"))).toBe(2_000);
    expect(retryAfterMs("soon")).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
