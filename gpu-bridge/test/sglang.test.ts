// The bridge against an SGLang stand-in: lora_path in chat, runtime LoRA, flush when emptied.
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

  it("flushes the radix cache only when the node's last block is evicted", async () => {
    const one = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "first block" });
    const two = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "second block" });
    await call(b, "DELETE", `/v1/activation/${one.body.block.id}?${q}`);
    expect(s.sent("/flush_cache")).toHaveLength(0);
    const r = await call<{ released: boolean }>(b, "DELETE", `/v1/activation/${two.body.block.id}?${q}`);
    expect(r.body.released).toBe(true);
    expect(s.sent("/flush_cache").map((x) => x.method)).toEqual(["POST"]);
    expect(s.cache.prompts).toHaveLength(0);
  });

  it("accepts SGLang refusing a flush while busy: the block is still evicted", async () => {
    const one = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "only block" });
    s.busy = true;
    const r = await call<{ evicted: string; released: boolean }>(b, "DELETE", `/v1/activation/${one.body.block.id}?${q}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ evicted: one.body.block.id, released: true });
    const list = await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?${q}`);
    expect(list.body.blocks).toEqual([]);
  });

  it("refuses kv save/restore style work it cannot do: token-id blocks", async () => {
    const r = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, token_ids: [5, 6] });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "unsupported_operation", details: { backend: "sglang" } });
  });
});
