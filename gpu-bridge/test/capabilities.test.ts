// What pinning, release and eviction really do per backend: reported, and refused where not honoured.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startLlamaCpp } from "./standins/llamacpp.js";
import type { LlamaStandin } from "./standins/llamacpp.js";
import { startSglang } from "./standins/sglang.js";
import type { SglangStandin } from "./standins/sglang.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, q, scope } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

const LRU = { pin: "none", release: "forget", eviction: "server_lru" };
const SLOT = { pin: "slot_file", release: "erase_slot", eviction: "bridge_budget" };

describe("backend capabilities", () => {
  let v: VllmStandin;
  let s: SglangStandin;
  let l: LlamaStandin;
  let b: RunningBridge;

  beforeEach(async () => {
    v = await startVllm();
    s = await startSglang();
    l = await startLlamaCpp({ slotSavePath: true });
    b = await bridgeOver(
      nodes(
        { id: "v", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e10 },
        { id: "s", backend: "sglang", url: s.url, models: ["qwen2-7b"], budget_bytes: 1e10 },
        { id: "l", backend: "llamacpp", url: l.url, models: ["qwen2.5-7b"], budget_bytes: 1e10 },
      ),
    );
  });
  afterEach(async () => {
    await b.close();
    await Promise.all([v.close(), s.close(), l.close()]);
  });

  it("reports what pin, release and eviction do on each node, on /v1/nodes and /healthz", async () => {
    const listed = await call<{ nodes: { id: string; capabilities: unknown }[] }>(b, "GET", "/v1/nodes");
    expect(Object.fromEntries(listed.body.nodes.map((n) => [n.id, n.capabilities]))).toEqual({ v: LRU, s: LRU, l: SLOT });
    const health = (await (await fetch(`${b.url}/healthz`)).json()) as { nodes: { id: string; capabilities: unknown }[] };
    expect(Object.fromEntries(health.nodes.map((n) => [n.id, n.capabilities]))).toEqual({ v: LRU, s: LRU, l: SLOT });
  });

  for (const [node, model] of [
    ["v", "llama-3-8b"],
    ["s", "qwen2-7b"],
  ] as const) {
    it(`refuses to pin a block on ${node === "v" ? "vLLM" : "SGLang"}, whose own LRU evicts whatever the bridge registers`, async () => {
      const standin = node === "v" ? v : s;
      const r = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, node, model, text: "keep me", pinned: true });
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: "unsupported_operation", details: { node, operation: "pin", capabilities: LRU } });
      expect(r.body.error.message).toContain("LRU");
      // Refused before the node was asked to warm anything, and nothing registered.
      expect(standin.requests).toHaveLength(0);
      expect((await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks).toEqual([]);

      const ok = await call<{ block: { id: string; pinned: boolean } }>(b, "POST", "/v1/activation", { ...scope, node, model, text: "keep me", pinned: false });
      expect(ok.status).toBe(201);
      const id = ok.body.block.id;
      const warms = standin.requests.length;
      const pin = await call<ErrorBody>(b, "POST", `/v1/activation/${id}/refresh`, { ...scope, pinned: true });
      expect(pin.status).toBe(422);
      expect(pin.body.error).toMatchObject({ code: "unsupported_operation", details: { node, operation: "pin" } });
      expect(standin.requests).toHaveLength(warms);
      const plain = await call<{ block: { pinned: boolean } }>(b, "POST", `/v1/activation/${id}/refresh`, { ...scope, pinned: false });
      expect(plain.status).toBe(200);
      expect(plain.body.block.pinned).toBe(false);
    });
  }

  it("pins on llama.cpp, where the block's saved slot file is what the bridge keeps", async () => {
    const r = await call<{ block: { id: string; pinned: boolean } }>(b, "POST", "/v1/activation", { ...scope, node: "l", text: "keep me", pinned: true });
    expect(r.status).toBe(201);
    expect(r.body.block.pinned).toBe(true);
    expect(l.files.has(`${r.body.block.id}.bin`)).toBe(true);
  });

  it("says on eviction what releasing did on the node", async () => {
    const onV = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, node: "v", text: "a block" });
    const onL = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, node: "l", text: "a block" });
    const before = v.requests.length;
    const gone = await call(b, "DELETE", `/v1/activation/${onV.body.block.id}?${q}`);
    expect(gone.body).toEqual({ evicted: onV.body.block.id, node: "v", released: true, release: "forget" });
    expect(v.requests).toHaveLength(before);
    const erased = await call(b, "DELETE", `/v1/activation/${onL.body.block.id}?${q}`);
    expect(erased.body).toEqual({ evicted: onL.body.block.id, node: "l", released: true, release: "erase_slot" });
  });
});
