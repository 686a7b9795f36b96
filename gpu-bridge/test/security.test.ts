// Signature checks at the bridge: missing, malformed, wrong, stale and replayed requests are
// refused; /healthz alone is open; the bridge refuses to start without a secret.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSigner, MemoryReplayCache } from "@memos-edge/bridge-protocol";
import { loadConfig } from "../src/config.js";
import type { RunningBridge } from "../src/server.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, nodes, q, signer, tempDir } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

describe("bridge signature checks", () => {
  let v: VllmStandin;
  let b: RunningBridge;
  beforeAll(async () => {
    v = await startVllm();
    b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["m"], budget_bytes: 1e9 }));
  });
  afterAll(async () => {
    await b.close();
    await v.close();
  });

  const path = `/v1/activation?${q}`;
  const code = async (res: Response) => ((await res.json()) as ErrorBody).error.code;

  it("serves /healthz without a signature", async () => {
    const res = await fetch(`${b.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it("answers errors in the shared shape, with the caller's request id or a new one", async () => {
    const echoed = await fetch(`${b.url}${path}`, { headers: { "x-request-id": "req_from_worker-1" } });
    expect(echoed.status).toBe(401);
    expect(echoed.headers.get("x-request-id")).toBe("req_from_worker-1");
    expect(await echoed.json()).toEqual({ error: { code: "signature_missing", message: expect.any(String) }, request_id: "req_from_worker-1" });
    const fresh = (await (await fetch(`${b.url}${path}`, { headers: { "x-request-id": "<script>" } })).json()) as { request_id: string };
    expect(fresh.request_id).toMatch(/^[0-9a-f-]{36}$/);
    const generate = await fetch(`${b.url}/v1/generate`, { method: "POST", headers: { "x-request-id": "req_gen-2", "content-type": "application/json" }, body: "{}" });
    expect(generate.status).toBe(401);
    expect(((await generate.json()) as { request_id: string }).request_id).toBe("req_gen-2");
  });

  it("refuses an unsigned request, /metrics included", async () => {
    for (const p of [path, "/metrics", "/v1/nodes"]) {
      const res = await fetch(`${b.url}${p}`);
      expect(res.status).toBe(401);
      expect(await code(res)).toBe("signature_missing");
    }
  });

  it("refuses malformed signature headers", async () => {
    const h = await signer.sign({ method: "GET", pathWithQuery: path });
    const res = await fetch(`${b.url}${path}`, { headers: { ...h, "x-bridge-signature": "sha1=abc" } });
    expect(res.status).toBe(401);
    expect(await code(res)).toBe("signature_malformed");
  });

  it("refuses a signature made with another secret", async () => {
    const h = await createSigner("another-secret-of-sufficient-length").sign({ method: "GET", pathWithQuery: path });
    const res = await fetch(`${b.url}${path}`, { headers: h });
    expect(await code(res)).toBe("signature_invalid");
  });

  it("refuses a request whose body, query or method differs from what was signed", async () => {
    const body = JSON.stringify({ tenant_id: "t", cube_id: "c", text: "hello" });
    const h = await signer.sign({ method: "POST", pathWithQuery: "/v1/activation", body });
    const tampered = await fetch(`${b.url}/v1/activation`, { method: "POST", headers: h, body: body.replace("hello", "HELLO") });
    expect(await code(tampered)).toBe("signature_invalid");
    const hq = await signer.sign({ method: "GET", pathWithQuery: path });
    const otherCube = await fetch(`${b.url}/v1/activation?tenant_id=tnt_a&cube_id=user%3Abob`, { headers: hq });
    expect(await code(otherCube)).toBe("signature_invalid");
    const hm = await signer.sign({ method: "GET", pathWithQuery: "/v1/activation/blk_1?" + q });
    const asDelete = await fetch(`${b.url}/v1/activation/blk_1?${q}`, { method: "DELETE", headers: hm });
    expect(await code(asDelete)).toBe("signature_invalid");
    expect(v.requests).toHaveLength(0);
  });

  it("refuses a request signed more than the allowed skew ago, or in the future", async () => {
    for (const skew of [-61_000, 61_000]) {
      const h = await signer.sign({ method: "GET", pathWithQuery: path }, Date.now() + skew);
      const res = await fetch(`${b.url}${path}`, { headers: h });
      expect(await code(res)).toBe("signature_stale");
    }
  });

  it("accepts a signed request once and refuses the same request replayed", async () => {
    const h = await signer.sign({ method: "GET", pathWithQuery: path });
    const first = await fetch(`${b.url}${path}`, { headers: h });
    expect(first.status).toBe(200);
    const again = await fetch(`${b.url}${path}`, { headers: h });
    expect(again.status).toBe(401);
    expect(await code(again)).toBe("signature_replayed");
  });

  it("serves /metrics to a signed request, in Prometheus text format", async () => {
    const h = await signer.sign({ method: "GET", pathWithQuery: "/metrics" });
    const res = await fetch(`${b.url}/metrics`, { headers: h });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("# TYPE bridge_requests_total counter");
    expect(body).toMatch(/bridge_requests_total\{method="GET",route="\/v1\/activation",status="200"\} \d+/);
    expect(body).toContain('bridge_activation_budget_bytes{node="gpu-a"} 1000000000');
    expect(body).toContain('bridge_loaded_adapters{node="gpu-a"} 0');
  });
});

describe("signing primitives", () => {
  it("forgets nonces only after they could no longer pass the skew check", () => {
    const cache = new MemoryReplayCache();
    expect(cache.add("n1", 10_000, 0)).toBe(true);
    expect(cache.add("n1", 10_000, 5_000)).toBe(false);
    expect(cache.add("n1", 30_000, 20_000)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it("refuses to build a signer with a short secret", () => {
    expect(() => createSigner("short")).toThrow(/at least 16/);
  });
});

describe("bridge configuration", () => {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  const nodesFile = join(dir, "nodes.json");
  writeFileSync(nodesFile, JSON.stringify({ nodes: [{ id: "gpu-a", backend: "vllm", url: "http://127.0.0.1:8000", models: ["m"], budget_bytes: 1000 }] }));

  it("refuses to start without a secret, or with a short one", () => {
    expect(() => loadConfig({ BRIDGE_NODES_FILE: nodesFile })).toThrow(/BRIDGE_SECRET is required/);
    expect(() => loadConfig({ BRIDGE_NODES_FILE: nodesFile, BRIDGE_SECRET: "too-short" })).toThrow(/BRIDGE_SECRET/);
  });

  it("reads nodes with defaults and rejects an invalid nodes file", () => {
    const c = loadConfig({ BRIDGE_NODES_FILE: nodesFile, BRIDGE_SECRET: "s".repeat(32), BRIDGE_PORT: "9000" });
    expect(c.port).toBe(9000);
    expect(c.nodes[0]).toMatchObject({ id: "gpu-a", kv_bytes_per_token: 131072, max_loaded_adapters: 4, slot_id: 0, chat_format: "chatml" });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ nodes: [{ id: "x", backend: "tgi", url: "nope", models: [], budget_bytes: -1 }] }));
    expect(() => loadConfig({ BRIDGE_NODES_FILE: bad, BRIDGE_SECRET: "s".repeat(32) })).toThrow(/invalid nodes file/);
  });
});
