// The Worker's bridge client in Node: signing accepted by the real bridge, error mapping,
// bounded timeout, and the circuit breaker.
import { afterEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/bridge/breaker.js";
import { BridgeClient, bridgeClientFromEnv } from "../../src/bridge/client.js";
import { ApiError } from "../../src/errors.js";
import { startStandin } from "./standins/server.js";
import { startVllm } from "./standins/vllm.js";
import { bridgeOver, nodes, scope, SECRET } from "./helpers.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function bridge() {
  const v = await startVllm();
  const b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 }));
  closers.push(() => v.close(), () => b.close());
  return b;
}

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("BridgeClient", () => {
  it("signs requests the bridge accepts, with tenant and cube in every call", async () => {
    const b = await bridge();
    const client = new BridgeClient({ baseUrl: b.url, secret: SECRET });
    const reg = await client.registerBlock(scope, { memory_ids: ["mem_1"], text: "hello" });
    expect(reg.block).toMatchObject({ cube_id: scope.cube_id, memory_ids: ["mem_1"], node: "gpu-a" });
    const list = await client.listBlocks(scope);
    expect(list.blocks.map((x) => x.id)).toEqual([reg.block.id]);
    const other = await client.listBlocks({ tenant_id: "tnt_other", cube_id: scope.cube_id });
    expect(other.blocks).toEqual([]);
    const ev = await client.evictBlock(scope, reg.block.id);
    expect(ev.evicted).toBe(reg.block.id);
  });

  it("sends the strict bridge only the fields it knows, whatever else the caller's object carries", async () => {
    const b = await bridge();
    const client = new BridgeClient({ baseUrl: b.url, secret: SECRET });
    // A wider object than the input type, as a handler holding a parsed body with more in it may pass.
    const wide = { memory_ids: ["mem_1"], text: "hello", cube_hint: "x" };
    const reg = await client.registerBlock(scope, wide);
    expect(reg.block.memory_ids).toEqual(["mem_1"]);
    const adapter = { name: "style", base_model: "llama-3-8b", source: "/adapters/style", description: "tone" };
    expect((await client.registerAdapter(scope, adapter)).adapter.name).toBe("style");
  });

  it("names on eviction what releasing did on the node", async () => {
    const b = await bridge();
    const client = new BridgeClient({ baseUrl: b.url, secret: SECRET });
    const reg = await client.registerBlock(scope, { memory_ids: [], text: "hello" });
    expect(await client.evictBlock(scope, reg.block.id)).toEqual({ evicted: reg.block.id, node: "gpu-a", released: true, release: "forget" });
  });

  it("maps the bridge's refusals to API codes without opening the circuit", async () => {
    const b = await bridge();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const client = new BridgeClient({ baseUrl: b.url, secret: SECRET, breaker });
    const nf = await apiError(client.evictBlock(scope, "blk_missing"));
    expect(nf).toMatchObject({ code: "not_found", status: 404, details: { bridge_code: "not_found" } });
    const ni = await apiError(client.registerBlock(scope, { memory_ids: [], token_ids: [1] }));
    expect(ni).toMatchObject({ code: "not_implemented", status: 501, details: { bridge_code: "unsupported_operation" } });
    expect(breaker.state).toBe("closed");
  });

  it("answers upstream_unavailable when the secret does not match, and says why", async () => {
    const b = await bridge();
    const client = new BridgeClient({ baseUrl: b.url, secret: "a-different-secret-entirely" });
    const e = await apiError(client.listBlocks(scope));
    expect(e).toMatchObject({ code: "upstream_unavailable", status: 503, details: { bridge_code: "signature_invalid" } });
    expect(e.message).toContain("BRIDGE_SECRET");
  });

  it("gives up after the timeout when the bridge does not answer", async () => {
    const hung = await startStandin(() => undefined); // accepts, never answers
    closers.push(() => hung.close());
    const client = new BridgeClient({ baseUrl: hung.url, secret: SECRET, timeoutMs: 150 });
    const t0 = Date.now();
    const e = await apiError(client.listBlocks(scope));
    expect(e.code).toBe("upstream_unavailable");
    expect(e.message).toContain("150 ms");
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("opens after consecutive failures, answers fast while open, and closes after a good probe", async () => {
    let now = 0;
    let up = false;
    const down = await startStandin((_req, res) => {
      if (up) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ blocks: [] }));
      } else {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "upstream_unavailable", message: "node down" } }));
      }
    });
    closers.push(() => down.close());
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: () => now });
    const client = new BridgeClient({ baseUrl: down.url, secret: SECRET, breaker });
    for (let i = 0; i < 3; i++) expect((await apiError(client.listBlocks(scope))).code).toBe("upstream_unavailable");
    expect(breaker.state).toBe("open");
    const sentBefore = down.requests.length;
    const fast = await apiError(client.listBlocks(scope));
    expect(fast.message).toContain("circuit open");
    expect(fast.details).toEqual({ retry_after_ms: 1_000 });
    expect(down.requests.length).toBe(sentBefore);
    // After the cooldown one probe goes out; it fails, so the circuit opens again.
    now = 1_000;
    await apiError(client.listBlocks(scope));
    expect(down.requests.length).toBe(sentBefore + 1);
    expect(breaker.state).toBe("open");
    now = 2_000;
    up = true;
    expect(await client.listBlocks(scope)).toEqual({ blocks: [] });
    expect(breaker.state).toBe("closed");
  });
});

describe("bridgeClientFromEnv", () => {
  it("is null without URL or secret, and one shared client per configuration", () => {
    expect(bridgeClientFromEnv({})).toBeNull();
    expect(bridgeClientFromEnv({ BRIDGE_URL: "http://127.0.0.1:1" })).toBeNull();
    expect(bridgeClientFromEnv({ BRIDGE_URL: "http://127.0.0.1:1", BRIDGE_SECRET: "short" })).toBeNull();
    const env = { BRIDGE_URL: "http://127.0.0.1:1", BRIDGE_SECRET: SECRET, BRIDGE_TIMEOUT_MS: "250" };
    const a = bridgeClientFromEnv(env);
    expect(a).toBeInstanceOf(BridgeClient);
    expect(bridgeClientFromEnv({ ...env })).toBe(a);
    expect(bridgeClientFromEnv({ ...env, BRIDGE_TIMEOUT_MS: "500" })).not.toBe(a);
  });
});
