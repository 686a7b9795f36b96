// Activation budget per node: LRU eviction of unpinned blocks, pinning (llama.cpp), refusal, refresh.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startLlamaCpp } from "./standins/llamacpp.js";
import type { LlamaStandin } from "./standins/llamacpp.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, q, scope } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

// The stand-in counts ceil(chars/4) tokens of `<|system|>{text}<|end|><|assistant|>` (33 chars of markup).
const textOfTokens = (tokens: number) => "x".repeat(tokens * 4 - 33);

describe("activation budget", () => {
  let v: VllmStandin;
  let b: RunningBridge;
  let clock = 1_700_000_000_000;

  beforeEach(async () => {
    v = await startVllm();
    clock = 1_700_000_000_000;
    // 100 tokens per block at 1000 bytes per token = 100 kB; the budget fits three.
    b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 300_000, kv_bytes_per_token: 1000 }));
    b.deps.now = () => (clock += 1000);
  });
  afterEach(async () => {
    await b.close();
    await v.close();
  });

  const register = async (extra: Record<string, unknown> = {}) =>
    call<{ block: { id: string; size_bytes: number }; evicted: string[] }>(b, "POST", "/v1/activation", { ...scope, text: textOfTokens(100), ...extra });

  it("evicts the least recently used unpinned blocks to stay under the budget", async () => {
    const one = await register();
    const two = await register();
    const three = await register();
    expect(one.body.block.size_bytes).toBe(100_000);
    // Using `one` makes `two` the least recently used.
    await call(b, "POST", "/v1/generate", { ...scope, block_ids: [one.body.block.id], messages: [{ role: "user", content: "q" }], stream: false });
    const four = await register();
    expect(four.status).toBe(201);
    expect(four.body.evicted).toEqual([two.body.block.id]);
    const ids = (await call<{ blocks: { id: string }[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks.map((x) => x.id);
    expect(ids.sort()).toEqual([one.body.block.id, three.body.block.id, four.body.block.id].sort());
    const nodesView = await call<{ nodes: { id: string; bytesInUse: number; budgetBytes: number }[] }>(b, "GET", "/v1/nodes");
    expect(nodesView.body.nodes[0]).toMatchObject({ id: "gpu-a", bytesInUse: 300_000, budgetBytes: 300_000 });
  });

  it("refuses a block larger than the whole budget with a clear code", async () => {
    const r = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, text: "y".repeat(2_000_000) });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("budget_exceeded");
    expect(v.requests).toHaveLength(0);
  });

  it("refresh warms the block again and moves it to the front of the LRU order", async () => {
    const one = await register();
    const two = await register();
    await register();
    const r = await call<{ block: { id: string } }>(b, "POST", `/v1/activation/${one.body.block.id}/refresh`, scope);
    expect(r.status).toBe(200);
    expect(v.sent("/v1/chat/completions")).toHaveLength(4);
    const four = await register();
    expect(four.body.evicted).toEqual([two.body.block.id]);
  });

  it("keeps cubes apart: another cube cannot list, refresh, evict or use a block", async () => {
    const one = await register();
    const other = { tenant_id: "tnt_b", cube_id: "user:alice" };
    const list = await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?tenant_id=tnt_b&cube_id=user%3Aalice`);
    expect(list.body.blocks).toEqual([]);
    const ref = await call<ErrorBody>(b, "POST", `/v1/activation/${one.body.block.id}/refresh`, other);
    expect(ref.status).toBe(404);
    const del = await call<ErrorBody>(b, "DELETE", `/v1/activation/${one.body.block.id}?tenant_id=tnt_b&cube_id=user%3Aalice`);
    expect(del.status).toBe(404);
    const gen = await call<ErrorBody>(b, "POST", "/v1/generate", { ...other, block_ids: [one.body.block.id], messages: [{ role: "user", content: "q" }] });
    expect(gen.status).toBe(404);
    expect((await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks).toHaveLength(1);
  });

  it("answers bad input with 400 invalid_request and changes nothing", async () => {
    const cases: unknown[] = [
      { ...scope },
      { ...scope, text: "a", token_ids: [1] },
      { cube_id: "c", text: "a" },
      { ...scope, text: "a", node: "../etc" },
      { ...scope, text: "a", memory_ids: "mem_1" },
    ];
    for (const body of cases) {
      const r = await call<ErrorBody>(b, "POST", "/v1/activation", body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const gen = await call<ErrorBody>(b, "POST", "/v1/generate", { ...scope, messages: [] });
    expect(gen.body.error.code).toBe("invalid_request");
    const unknownNode = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, text: "a", node: "gpu-z" });
    expect(unknownNode.status).toBe(422);
    expect(unknownNode.body.error.code).toBe("no_node");
    expect(v.requests).toHaveLength(0);
  });
});

// Pinning means something only where the bridge decides what stays: llama.cpp's saved slot files.
describe("activation budget with pinned blocks (llama.cpp)", () => {
  let l: LlamaStandin;
  let b: RunningBridge;
  let clock = 1_700_000_000_000;
  // The stand-in saves ceil(chars/4) tokens of `<|im_start|>system\n{text}` (19 chars of markup), 1000 bytes each.
  const slotText = (tokens: number) => "x".repeat(tokens * 4 - 19);

  beforeEach(async () => {
    l = await startLlamaCpp({ slotSavePath: true });
    clock = 1_700_000_000_000;
    b = await bridgeOver(nodes({ id: "cpp", backend: "llamacpp", url: l.url, models: ["m"], budget_bytes: 300_000, kv_bytes_per_token: 1000 }));
    b.deps.now = () => (clock += 1000);
  });
  afterEach(async () => {
    await b.close();
    await l.close();
  });

  const register = async (extra: Record<string, unknown> = {}) =>
    call<{ block: { id: string; size_bytes: number }; evicted: string[] }>(b, "POST", "/v1/activation", { ...scope, text: slotText(100), ...extra });

  it("never evicts pinned blocks, and refuses when only pinned blocks fill the node", async () => {
    await register({ pinned: true });
    await register({ pinned: true });
    const loose = await register();
    expect(loose.body.block.size_bytes).toBe(100_000);
    const next = await register();
    expect(next.body.evicted).toEqual([loose.body.block.id]);
    await call(b, "POST", `/v1/activation/${next.body.block.id}/refresh`, { ...scope, pinned: true });
    const sentBefore = l.requests.length;
    const refused = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, text: slotText(100) });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("budget_exceeded");
    // Refused before any warm-up reached the node.
    expect(l.requests.length).toBe(sentBefore);
  });
});
