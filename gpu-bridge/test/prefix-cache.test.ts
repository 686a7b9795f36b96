// The vLLM stand-in's prefix cache: whole 16-token blocks, cached tokens reported as vLLM does, LRU under a byte budget.
import { describe, expect, it } from "vitest";
import { KV_BLOCK_TOKENS, PrefixCache } from "./standins/openai.js";
import { startVllm } from "./standins/vllm.js";

/** A prompt of `blocks` whole blocks (64 characters each) made of `seed`. */
const prompt = (seed: string, blocks: number) => seed.repeat(Math.ceil((blocks * 64) / seed.length)).slice(0, blocks * 64);

describe("PrefixCache", () => {
  it("reports the leading whole blocks a prompt shares with what it cached, none of a partial block", () => {
    const c = new PrefixCache();
    const a = prompt("alpha ", 4);
    expect(c.lookup(a + "tail one")).toBe(0);
    expect(c.lookup(a + "tail two")).toBe(4 * KV_BLOCK_TOKENS);
    expect(c.lookup(a.slice(0, 100) + "x".repeat(200))).toBe(1 * KV_BLOCK_TOKENS);
    expect(c.stats).toMatchObject({ requests: 3, cached_tokens: 5 * KV_BLOCK_TOKENS });
  });

  it("evicts least recently used blocks past its byte budget, a prompt's tail before its prefix", () => {
    // 8 blocks of 16 tokens at 10 bytes a token.
    const c = new PrefixCache({ budgetBytes: 8 * 16 * 10, kvBytesPerToken: 10 });
    const hot = prompt("hot ", 4);
    const cold = prompt("cold ", 4);
    c.lookup(hot);
    c.lookup(cold);
    expect(c.size()).toEqual({ blocks: 8, capacity: 8 });
    // Touching the hot prompt makes the cold one the oldest; a new prompt pushes the cold one out.
    expect(c.lookup(hot)).toBe(4 * KV_BLOCK_TOKENS);
    c.lookup(prompt("new ", 4));
    expect(c.lookup(hot)).toBe(4 * KV_BLOCK_TOKENS);
    expect(c.lookup(cold)).toBe(0);
    // A long prompt keeps its prefix longest: 2 of its blocks evicted are its last ones.
    const d = new PrefixCache({ budgetBytes: 4 * 16 * 10, kvBytesPerToken: 10 });
    d.lookup(prompt("long ", 4));
    d.lookup(prompt("other ", 2));
    expect(d.lookup(prompt("long ", 4))).toBe(2 * KV_BLOCK_TOKENS);
  });

  it("reaches the client as usage.prompt_tokens_details.cached_tokens of the stand-in's chat completions", async () => {
    const v = await startVllm({ cache: { budgetBytes: 1_000_000, kvBytesPerToken: 100 } });
    try {
      const ask = async () => {
        const r = await fetch(`${v.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "llama-3-8b", messages: [{ role: "system", content: prompt("memory block ", 6) }, { role: "user", content: "hi" }] }) });
        return ((await r.json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } }).usage.prompt_tokens_details.cached_tokens;
      };
      expect(await ask()).toBe(0);
      expect(await ask()).toBeGreaterThanOrEqual(6 * KV_BLOCK_TOKENS);
    } finally {
      await v.close();
    }
  });
});
