// The automatic conversation share: measured from the prompts that ride on resident blocks, sized for two warm-up intervals.
import { afterEach, describe, expect, it } from "vitest";
import { parseNodes } from "../src/config.js";
import { AUTO_SHARE_FALLBACK, AUTO_SHARE_MIN, blockBudget, conversationShare } from "../src/context.js";
import { ChurnMeter, DEMAND_MIN_SAMPLES, DEMAND_WINDOW } from "../src/registry/churn.js";
import type { RunningBridge } from "../src/server.js";
import { startVllm, type VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, scope } from "./helpers.js";

const node = (over: Record<string, unknown> = {}) =>
  parseNodes({ nodes: [{ id: "gpu-a", backend: "vllm", url: "http://127.0.0.1:1", models: ["m"], budget_bytes: 1_000_000, cache_bytes: 1_000_000, kv_bytes_per_token: 1000, ...over }] })[0]!;

describe("ChurnMeter demand", () => {
  it("has no demand until enough prompts on resident blocks finished, then their recent tails' 90th percentile", () => {
    const churn = new ChurnMeter();
    for (let i = 0; i < DEMAND_MIN_SAMPLES - 1; i++) churn.sample("n", 10 + i);
    expect(churn.demand("n")).toBeNull();
    churn.sample("n", 40);
    expect(churn.demand("n")).toBe(40);
    // Only the window is remembered: an old spike ages out.
    for (let i = 0; i < DEMAND_WINDOW; i++) churn.sample("n", 5);
    expect(churn.demand("n")).toBe(5);
    expect(churn.demand("other")).toBeNull();
  });

  it("reads the window's 90th percentile: one outsized prompt among ordinary ones does not set the demand", () => {
    const churn = new ChurnMeter();
    for (let i = 0; i < DEMAND_WINDOW - 1; i++) churn.sample("n", 10);
    churn.sample("n", 50_000);
    expect(churn.demand("n")).toBe(10);
    // Large often enough (here a fifth of the window), it does.
    for (let i = 0; i < DEMAND_WINDOW / 5; i++) churn.sample("n", 900);
    expect(churn.demand("n")).toBe(900);
  });

  it("counts prompts in flight together, and an end called twice releases its tokens once", () => {
    const churn = new ChurnMeter();
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) churn.sample("n", 10);
    const a = churn.begin("n", 30);
    const b = churn.begin("n", 30);
    expect(churn.demand("n")).toBe(60);
    b();
    b();
    // While a is in flight, a window of prompts one at a time beside it: each peak is a + c = 60
    // (a double release of b would have freed a's tokens too, and read 30).
    for (let i = 0; i < DEMAND_WINDOW; i++) churn.begin("n", 30)();
    a();
    expect(churn.demand("n")).toBe(60);
  });

  it("takes churn without it counting as demand", () => {
    const churn = new ChurnMeter();
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) churn.add("n", 5_000);
    expect(churn.demand("n")).toBeNull();
  });
});

describe("conversationShare", () => {
  it("takes a configured number as is, whatever the traffic", () => {
    const churn = new ChurnMeter();
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) churn.sample("gpu-a", 10);
    expect(conversationShare({ churn }, node({ conversation_share: 0.4 }))).toBe(0.4);
    expect(blockBudget({ churn }, node({ conversation_share: 0.4 }))).toBe(600_000);
  });

  it("is automatic by default: the fallback first, then twice the demand over the cache, within its bounds", () => {
    const churn = new ChurnMeter();
    const n = node();
    expect(n.conversation_share).toBe("auto");
    expect(conversationShare({ churn }, n)).toBe(AUTO_SHARE_FALLBACK);
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) churn.sample("gpu-a", 100);
    // 2 × 100 tokens × 1,000 B over 1 MB.
    expect(conversationShare({ churn }, n)).toBeCloseTo(0.2);
    expect(blockBudget({ churn }, n)).toBe(800_000);
    const small = new ChurnMeter();
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) small.sample("gpu-a", 1);
    expect(conversationShare({ churn: small }, n)).toBe(AUTO_SHARE_MIN);
    const huge = new ChurnMeter();
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) huge.sample("gpu-a", 10_000);
    expect(conversationShare({ churn: huge }, n)).toBe(0.9);
  });

  it("refuses a share that is neither a number in [0, 0.9] nor auto", () => {
    expect(() => node({ conversation_share: "half" })).toThrow();
    expect(() => node({ conversation_share: 0.95 })).toThrow();
  });
});

describe("the bridge sizing the share from its own traffic", () => {
  let v: VllmStandin;
  let b: RunningBridge;
  afterEach(async () => {
    await b.close();
    await v.close();
  });

  it("widens the blocks' budget from the fallback once chats on a resident block show how small their tails are", async () => {
    v = await startVllm({ cache: { budgetBytes: 1_000_000, kvBytesPerToken: 1000 } });
    b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1_000_000, cache_bytes: 1_000_000, kv_bytes_per_token: 1000 }));
    const budget = async () => (await call<{ nodes: { budgetBytes: number }[] }>(b, "GET", "/v1/nodes")).body.nodes[0]!.budgetBytes;
    expect(await budget()).toBe(750_000);
    const reg = await call<{ block: { id: string; tokens: number } }>(b, "POST", "/v1/activation", { ...scope, text: "x".repeat(400), heat: 1 });
    let tail = 0;
    for (let i = 0; i < DEMAND_MIN_SAMPLES; i++) {
      const r = await call<{ usage: { prompt_tokens: number; completion_tokens: number } }>(b, "POST", "/v1/generate", { ...scope, block_ids: [reg.body.block.id], messages: [{ role: "user", content: `question ${i}` }], stream: false });
      expect(r.status).toBe(200);
      tail = Math.max(tail, r.body.usage.prompt_tokens - reg.body.block.tokens + r.body.usage.completion_tokens);
    }
    expect(tail).toBeGreaterThan(0);
    expect(await budget()).toBe(1_000_000 - Math.floor(Math.max(AUTO_SHARE_MIN * 1_000_000, 2 * tail * 1000)));
  });
});
