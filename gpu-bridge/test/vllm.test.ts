// The bridge against a vLLM stand-in: exact requests for warming, generation and runtime LoRA.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, CUBE, nodes, q, readSse, scope, signedFetch } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

const PREFIX = "Alice lives in Lyon. She prefers tea over coffee. ".repeat(8);

describe("vLLM backend", () => {
  let v: VllmStandin;
  let b: RunningBridge;

  beforeEach(async () => {
    v = await startVllm({ apiKey: "node-key" });
    b = await bridgeOver(
      nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 10_000_000_000, kv_bytes_per_token: 1000, api_key: "node-key" }),
    );
  });
  afterEach(async () => {
    await b.close();
    await v.close();
  });

  it("warms a block with one max_tokens=1 request whose system message is the block text", async () => {
    const r = await call<{ block: Record<string, unknown> }>(b, "POST", "/v1/activation", { ...scope, memory_ids: ["mem_1"], text: PREFIX });
    expect(r.status).toBe(201);
    const sent = v.sent("/v1/chat/completions");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toEqual({ model: "llama-3-8b", messages: [{ role: "system", content: PREFIX }], max_tokens: 1, temperature: 0, stream: false });
    expect(sent[0]?.headers.authorization).toBe("Bearer node-key");
    // Size comes from the node's own prompt token count times the configured bytes per token.
    const promptTokens = Math.ceil(`<|system|>${PREFIX}<|end|><|assistant|>`.length / 4);
    expect(r.body.block).toMatchObject({ cube_id: CUBE, node: "gpu-a", tokens: promptTokens, size_bytes: promptTokens * 1000, hits: 0 });
  });

  it("streams a generation with the cached prefix first and reports the node's cache hit", async () => {
    const reg = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, memory_ids: ["mem_1"], text: PREFIX });
    const res = await signedFetch(b, "POST", "/v1/generate", {
      ...scope,
      block_ids: [reg.body.block.id],
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Where does Alice live?" }],
      max_tokens: 16,
      temperature: 0.2,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["start", "token", "token", "token", "done"]);
    expect(events.slice(1, 4).map((e) => e.data.text).join("")).toBe("Hello there");
    const done = events[4]?.data ?? {};
    expect(done.cache_hit).toBe(true);
    expect(done.cache_source).toBe("node");
    expect(typeof done.ttft_ms).toBe("number");
    expect((done.usage as { cached_tokens: number }).cached_tokens).toBeGreaterThan(0);
    const sent = v.sent("/v1/chat/completions")[1]?.body;
    expect(sent).toEqual({
      model: "llama-3-8b",
      messages: [
        { role: "system", content: `${PREFIX}\n\nBe brief.` },
        { role: "user", content: "Where does Alice live?" },
      ],
      max_tokens: 16,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const list = await call<{ blocks: { hits: number }[] }>(b, "GET", `/v1/activation?${q}`);
    expect(list.body.blocks[0]?.hits).toBe(1);
  });

  it("reports a miss from the node when no prefix was warmed", async () => {
    const r = await call<{ cache_hit: boolean; cache_source: string; text: string }>(b, "POST", "/v1/generate", {
      ...scope,
      messages: [{ role: "user", content: "hi" }],
      stream: false,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ cache_hit: false, cache_source: "node", text: "Hello there" });
  });

  it("falls back to the registry's view when the node does not report cached tokens", async () => {
    v.knobs.reportCached = false;
    const reg = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: PREFIX });
    const r = await call(b, "POST", "/v1/generate", { ...scope, block_ids: [reg.body.block.id], messages: [{ role: "user", content: "hi" }], stream: false });
    expect(r.body).toMatchObject({ cache_hit: true, cache_source: "registry" });
  });

  it("loads an adapter with lora_name and lora_path, then generates with it as the model", async () => {
    await call(b, "POST", "/v1/adapters", { ...scope, name: "alice-style", base_model: "llama-3-8b", source: "/adapters/alice" });
    const load = await call<{ node: string; adapter: { id: string; loaded_on: { node: string }[] } }>(b, "POST", "/v1/adapters/alice-style/load", scope);
    expect(load.status).toBe(200);
    const id = load.body.adapter.id;
    expect(v.sent("/v1/load_lora_adapter").map((r) => r.body)).toEqual([{ lora_name: id, lora_path: "/adapters/alice" }]);
    expect(load.body.adapter.loaded_on.map((l) => l.node)).toEqual(["gpu-a"]);
    const gen = await call(b, "POST", "/v1/generate", { ...scope, adapter: "alice-style", messages: [{ role: "user", content: "hi" }], stream: false });
    expect(gen.status).toBe(200);
    expect((v.sent("/v1/chat/completions")[0]?.body as { model: string }).model).toBe(id);
    const un = await call(b, "POST", "/v1/adapters/alice-style/unload", scope);
    expect(un.status).toBe(200);
    expect(v.sent("/v1/unload_lora_adapter").map((r) => r.body)).toEqual([{ lora_name: id }]);
    expect(v.loras.size).toBe(0);
  });

  it("maps vLLM's 'No adapter found' to not_found and keeps the registry unchanged", async () => {
    await call(b, "POST", "/v1/adapters", { ...scope, name: "bad", base_model: "llama-3-8b", source: "/elsewhere/bad" });
    const r = await call<ErrorBody>(b, "POST", "/v1/adapters/bad/load", scope);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
    const list = await call<{ adapters: { loaded_on: unknown[] }[] }>(b, "GET", `/v1/adapters?${q}`);
    expect(list.body.adapters[0]?.loaded_on).toEqual([]);
  });

  it("rejects an unsupported operation with a stable code (token-id blocks on vLLM)", async () => {
    const r = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, token_ids: [1, 2, 3] });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("unsupported_operation");
    expect(r.body.error.details).toMatchObject({ backend: "vllm", operation: "token_prefix" });
    expect(v.requests).toHaveLength(0);
  });
});

describe("vLLM without runtime LoRA updating", () => {
  it("says how to enable it instead of passing a bare 404 through", async () => {
    const v = await startVllm({ runtimeLora: false });
    const b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 }));
    try {
      await call(b, "POST", "/v1/adapters", { ...scope, name: "x", base_model: "llama-3-8b", source: "/adapters/x" });
      const r = await call<ErrorBody>(b, "POST", "/v1/adapters/x/load", scope);
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe("unsupported_operation");
      expect(r.body.error.message).toContain("VLLM_ALLOW_RUNTIME_LORA_UPDATING");
    } finally {
      await b.close();
      await v.close();
    }
  });
});
