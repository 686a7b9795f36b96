// Ranking blocks across cubes: heat per byte instead of recency, fair shares per tenant, own evictions only, keep-warm.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keepWithin, type RankedBlock } from "../src/registry/rank.js";
import type { RunningBridge } from "../src/server.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, scope, signedFetch } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

// The stand-in counts ceil(chars/4) tokens of `<|system|>{text}<|end|><|assistant|>` (33 chars of markup).
const textOfTokens = (tokens: number, fill = "x") => fill.repeat(tokens * 4 - 33);
const blk = (id: string, tenant: string, size: number, heat: number, extra: Partial<RankedBlock> = {}): RankedBlock => ({ id, tenant_id: tenant, size_bytes: size, heat, pinned: false, last_used_at: 0, ...extra });

describe("keepWithin", () => {
  it("keeps the most heat per byte: a small warm block before a large one with more heat", () => {
    const kept = keepWithin([blk("big", "t", 300, 6), blk("small", "t", 100, 3), blk("mid", "t", 200, 2)], 300);
    expect([...kept].sort()).toEqual(["mid", "small"]);
  });

  it("breaks equal heat by recency, so blocks without heat keep least-recently-used order", () => {
    const kept = keepWithin([blk("old", "t", 100, 0, { last_used_at: 1 }), blk("new", "t", 100, 0, { last_used_at: 3 }), blk("mid", "t", 100, 0, { last_used_at: 2 })], 200);
    expect([...kept].sort()).toEqual(["mid", "new"]);
  });

  it("gives each tenant its fair share before the hottest take the rest, and always keeps pinned blocks", () => {
    const loud = [blk("a1", "A", 100, 1e9), blk("a2", "A", 100, 1e9), blk("a3", "A", 100, 1e9)];
    const kept = keepWithin([...loud, blk("b1", "B", 100, 0.01)], 300);
    expect(kept.has("b1")).toBe(true);
    expect([...kept].filter((id) => id.startsWith("a"))).toHaveLength(2);
    // A share nobody needs is not wasted: alone, A fills the node.
    expect(keepWithin(loud, 300).size).toBe(3);
    const pinned = keepWithin([blk("p", "B", 200, 0, { pinned: true }), ...loud], 300);
    expect(pinned.has("p")).toBe(true);
    expect(pinned.size).toBe(2);
  });
});

describe("activation ranking on the bridge", () => {
  let v: VllmStandin;
  let b: RunningBridge;
  let clock = 1_700_000_000_000;

  afterEach(async () => {
    await b.close();
    await v.close();
  });

  describe("under a budget of three 100-token blocks", () => {
    beforeEach(async () => {
      v = await startVllm();
      clock = 1_700_000_000_000;
      b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 300_000, kv_bytes_per_token: 1000 }));
      b.deps.now = () => (clock += 1000);
    });

    const register = (heat: number, s: { tenant_id: string; cube_id: string } = scope, extra: Record<string, unknown> = {}) =>
      call<{ block: { id: string }; evicted: string[] }>(b, "POST", "/v1/activation", { ...s, text: textOfTokens(100), heat, ...extra });

    it("evicts the block with the least heat per byte, not the least recently used one", async () => {
      const hot = await register(10);
      const cold = await register(1);
      await register(5);
      // `cold` is used last, `hot` is the least recently used: recency alone would evict `hot`.
      await call(b, "POST", "/v1/generate", { ...scope, block_ids: [cold.body.block.id], messages: [{ role: "user", content: "q" }], stream: false });
      const next = await register(8);
      expect(next.status).toBe(201);
      expect(next.body.evicted).toEqual([cold.body.block.id]);
      const ids = (await call<{ blocks: { id: string }[] }>(b, "GET", `/v1/activation?tenant_id=${scope.tenant_id}&cube_id=${encodeURIComponent(scope.cube_id)}`)).body.blocks.map((x) => x.id);
      expect(ids).toContain(hot.body.block.id);
      expect(ids).not.toContain(cold.body.block.id);
    });

    it("refuses a block colder than every resident one with budget_exceeded (ranked_out) before any warm-up", async () => {
      for (let i = 0; i < 3; i++) await register(10);
      const sent = v.sent("/v1/chat/completions").length;
      const r = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, text: textOfTokens(100), heat: 1 });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("budget_exceeded");
      expect(r.body.error.details).toMatchObject({ reason: "ranked_out", node: "gpu-a" });
      expect(v.sent("/v1/chat/completions")).toHaveLength(sent);
    });

    it("ranks by the heat a refresh reports: a block that cooled becomes the victim", async () => {
      const a = await register(10);
      const c = await register(5);
      await register(7);
      await call(b, "POST", `/v1/activation/${a.body.block.id}/refresh`, { ...scope, heat: 0.5 });
      const next = await register(6);
      expect(next.body.evicted).toEqual([a.body.block.id]);
      expect(next.body.evicted).not.toContain(c.body.block.id);
    });

    it("takes the heat a generate request carries as its blocks' newest report", async () => {
      await register(10);
      const used = await register(5);
      const lukewarm = await register(7);
      await call(b, "POST", "/v1/generate", { ...scope, block_ids: [used.body.block.id], heat: 100, messages: [{ role: "user", content: "q" }], stream: false });
      const next = await register(8);
      expect(next.body.evicted).toEqual([lukewarm.body.block.id]);
    });

    it("names only the caller's own evicted blocks: another cube's victim stays unnamed", async () => {
      const other = { tenant_id: scope.tenant_id, cube_id: "user:bob" };
      const bobs = await register(1, other);
      await register(5);
      await register(6);
      const next = await register(9);
      expect(next.status).toBe(201);
      expect(next.body.evicted).toEqual([]);
      const left = await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?tenant_id=${other.tenant_id}&cube_id=${encodeURIComponent(other.cube_id)}`);
      expect(left.body.blocks).toHaveLength(0);
      const refresh = await call<ErrorBody>(b, "POST", `/v1/activation/${bobs.body.block.id}/refresh`, other);
      expect(refresh.body.error.code).toBe("not_found");
    });

    it("keeps another tenant's share however much heat a tenant reports", async () => {
      const quiet = { tenant_id: "tnt_b", cube_id: "user:carol" };
      const carol = await register(0.01, quiet);
      const first = await register(1e9);
      await register(1e9);
      // Full: the loud tenant's third block displaces its own oldest, not the quiet tenant's only one.
      const third = await register(1e9);
      expect(third.status).toBe(201);
      expect(third.body.evicted).toEqual([first.body.block.id]);
      const hers = await call<{ blocks: { id: string }[] }>(b, "GET", `/v1/activation?tenant_id=${quiet.tenant_id}&cube_id=${encodeURIComponent(quiet.cube_id)}`);
      expect(hers.body.blocks.map((x) => x.id)).toEqual([carol.body.block.id]);
    });

    it("replaces the caller's own block with its new render without evicting anyone else", async () => {
      const first = await register(5);
      const others = [await register(5, { ...scope, cube_id: "user:dan" }), await register(5, { ...scope, cube_id: "user:dan" })];
      const next = await register(5, scope, { replaces: first.body.block.id, text: textOfTokens(100, "y") });
      expect(next.status).toBe(201);
      expect(next.body.evicted).toEqual([first.body.block.id]);
      const dans = await call<{ blocks: { id: string }[] }>(b, "GET", `/v1/activation?tenant_id=${scope.tenant_id}&cube_id=user%3Adan`);
      expect(dans.body.blocks.map((x) => x.id).sort()).toEqual(others.map((o) => o.body.block.id).sort());
      // Another cube's block cannot be named as replaced: it is ignored and ranked as usual.
      const foreign = await register(0.1, scope, { replaces: others[0]?.body.block.id, text: textOfTokens(100, "z") });
      expect(foreign.status).toBe(409);
    });
  });

  describe("keeping resident blocks in the node's LRU", () => {
    // The node's cache holds 600 tokens; blocks may take half of it.
    const setup = async (cacheKnown: boolean) => {
      v = await startVllm({ cache: { budgetBytes: 600_000, kvBytesPerToken: 1000 } });
      b = await bridgeOver(
        nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 300_000, kv_bytes_per_token: 1000, ...(cacheKnown ? { cache_bytes: 600_000, conversation_share: 0.5 } : {}) }),
      );
    };
    const chat = async (blockIds: string[], content: string) =>
      call<{ cache_hit: boolean; usage: { cached_tokens: number } }>(b, "POST", "/v1/generate", { ...scope, block_ids: blockIds, messages: [{ role: "user", content }], stream: false });
    // Conversations of about 300 tokens each, none like another: 1,200 tokens push a 100-token block out of a 600-token LRU.
    const churn = async () => {
      for (let i = 0; i < 4; i++) {
        await chat([], `${i} `.repeat(600));
        // Warm-ups run in the node's queue after the answer: wait for them.
        await b.deps.serial("gpu-a", async () => undefined);
      }
    };

    it("re-warms a resident block before conversations push it out of the node's cache, when the cache size is known", async () => {
      await setup(true);
      const reg = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: textOfTokens(100), heat: 3 });
      await churn();
      const r = await chat([reg.body.block.id], "and now?");
      expect(r.body.cache_hit).toBe(true);
      expect(r.body.usage.cached_tokens).toBeGreaterThanOrEqual(96);
      const metrics = await signedFetch(b, "GET", "/metrics");
      expect(await metrics.text()).toMatch(/bridge_rewarms_total\{node="gpu-a"\} [1-9]/);
    });

    it("answers a refresh that only reports heat without a warm-up while the block cannot have left the cache", async () => {
      await setup(true);
      const reg = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: textOfTokens(100), heat: 3 });
      const sent = v.sent("/v1/chat/completions").length;
      const r = await call<{ block: { id: string; size_bytes: number } }>(b, "POST", `/v1/activation/${reg.body.block.id}/refresh`, { ...scope, heat: 9 });
      expect(r.status).toBe(200);
      expect(r.body.block.size_bytes).toBe(100_000);
      expect(v.sent("/v1/chat/completions")).toHaveLength(sent);
    });

    it("leaves the node's LRU alone when the cache size is not configured (the block falls out)", async () => {
      await setup(false);
      const reg = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: textOfTokens(100), heat: 3 });
      const warmups = v.sent("/v1/chat/completions").length;
      await churn();
      const r = await chat([reg.body.block.id], "and now?");
      expect(r.body.cache_hit).toBe(false);
      expect(v.sent("/v1/chat/completions")).toHaveLength(warmups + 5);
    });
  });
});
