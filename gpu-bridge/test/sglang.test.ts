// The bridge against an SGLang stand-in: lora_path in chat, runtime LoRA, release without a flush.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startSglang } from "./standins/sglang.js";
import type { SglangStandin } from "./standins/sglang.js";
import { bridgeOver, call, nodes, q, scope } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

describe("SGLang backend", () => {
  let s: SglangStandin;
  let b: RunningBridge;

  beforeEach(async () => {
    s = await startSglang();
    b = await bridgeOver(nodes({ id: "sg", backend: "sglang", url: s.url, models: ["qwen2-7b"], budget_bytes: 1e10, max_loaded_adapters: 2 }));
  });
  afterEach(async () => {
    await b.close();
    await s.close();
  });

  it("loads through /load_lora_adapter and names the adapter as lora_path when generating", async () => {
    await call(b, "POST", "/v1/adapters", { ...scope, name: "tone", base_model: "qwen2-7b", source: "hf://org/tone-lora" });
    const gen = await call<{ text: string; adapter: string }>(b, "POST", "/v1/generate", {
      ...scope,
      adapter: "tone",
      messages: [{ role: "user", content: "hello" }],
      stream: false,
    });
    expect(gen.status).toBe(200);
    expect(gen.body).toMatchObject({ text: "abc", adapter: "tone" });
    const [load] = s.sent("/load_lora_adapter");
    const id = (load?.body as { lora_name: string }).lora_name;
    expect(load?.body).toEqual({ lora_name: id, lora_path: "hf://org/tone-lora" });
    expect(id).toMatch(/^ada_/);
    expect((s.sent("/v1/chat/completions")[0]?.body as { lora_path: string }).lora_path).toBe(id);
  });

  it("treats unloading an adapter SGLang no longer has as done", async () => {
    await call(b, "POST", "/v1/adapters", { ...scope, name: "tone", base_model: "qwen2-7b", source: "/lora/tone" });
    await call(b, "POST", "/v1/adapters/tone/load", scope);
    s.loras.clear(); // as after an SGLang restart
    const r = await call<{ unloaded_from: string[] }>(b, "POST", "/v1/adapters/tone/unload", scope);
    expect(r.status).toBe(200);
    expect(r.body.unloaded_from).toEqual(["sg"]);
    expect(s.sent("/unload_lora_adapter")).toHaveLength(1);
  });

  it("never flushes the radix cache to release a block, not even the node's last one", async () => {
    // A prompt from other traffic on the same server, which a flush would throw away too.
    s.cache.prompts.push("someone else's long system prompt");
    const one = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "first block" });
    const two = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "second block" });
    const cached = s.cache.prompts.length;
    for (const id of [one.body.block.id, two.body.block.id]) {
      const r = await call<{ evicted: string; released: boolean; release: string }>(b, "DELETE", `/v1/activation/${id}?${q}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ evicted: id, released: true, release: "forget" });
    }
    expect(s.sent("/flush_cache")).toHaveLength(0);
    expect(s.cache.prompts).toHaveLength(cached);
    expect((await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks).toEqual([]);
  });

  it("never flushes when blocks are evicted under the budget either", async () => {
    const small = await bridgeOver(nodes({ id: "sg", backend: "sglang", url: s.url, models: ["qwen2-7b"], budget_bytes: 30 * 131072 }));
    try {
      const text = "y".repeat(60);
      const first = await call<{ block: { id: string } }>(small, "POST", "/v1/activation", { ...scope, text });
      const second = await call<{ evicted: string[] }>(small, "POST", "/v1/activation", { ...scope, text: `${text}!` });
      expect(second.body.evicted).toEqual([first.body.block.id]);
      expect(s.sent("/flush_cache")).toHaveLength(0);
    } finally {
      await small.close();
    }
  });

  it("refuses kv save/restore style work it cannot do: token-id blocks", async () => {
    const r = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, token_ids: [5, 6] });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "unsupported_operation", details: { backend: "sglang" } });
  });
});
