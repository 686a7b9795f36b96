// Nodes that are down, slow, or fail in the middle of a stream.
import { afterEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startLlamaCpp } from "./standins/llamacpp.js";
import { startVllm } from "./standins/vllm.js";
import { bridgeOver, call, nodes, readSse, scope, signedFetch } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function track<T extends { close(): Promise<void> }>(x: T): Promise<T> {
  closers.push(() => x.close());
  return x;
}

const ask = { ...scope, messages: [{ role: "user", content: "q" }] };

describe("node failures", () => {
  it("answers 503 upstream_unavailable when the node cannot be reached", async () => {
    const v = await startVllm();
    const url = v.url;
    await v.close();
    const b: RunningBridge = await track(await bridgeOver(nodes({ id: "gone", backend: "vllm", url, models: ["m"], budget_bytes: 1e9 })));
    const r = await call<ErrorBody>(b, "POST", "/v1/generate", ask);
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({ code: "upstream_unavailable", details: { node: "gone" } });
    const reg = await call<ErrorBody>(b, "POST", "/v1/activation", { ...scope, text: "t" });
    expect(reg.body.error.code).toBe("upstream_unavailable");
    expect((await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?tenant_id=${scope.tenant_id}&cube_id=${encodeURIComponent(scope.cube_id)}`)).body.blocks).toEqual([]);
  });

  it("answers 504 upstream_timeout within the configured time when the node is slow", async () => {
    const v = await track(await startVllm({ knobs: { firstChunkDelayMs: 2_000 } }));
    const b = await track(await bridgeOver(nodes({ id: "slow", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 }), { upstreamTimeoutMs: 200 }));
    const t0 = Date.now();
    const r = await call<ErrorBody>(b, "POST", "/v1/generate", ask);
    expect(r.status).toBe(504);
    expect(r.body.error.code).toBe("upstream_timeout");
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it("passes a node's own refusal on as upstream_error with its message", async () => {
    const v = await track(await startVllm());
    const b = await track(await bridgeOver(nodes({ id: "a", backend: "vllm", url: v.url, models: ["not-served-there"], budget_bytes: 1e9 })));
    const r = await call<ErrorBody>(b, "POST", "/v1/generate", ask);
    expect(r.status).toBe(502);
    expect(r.body.error).toMatchObject({ code: "upstream_error", details: { status: 404, message: "The model `not-served-there` does not exist." } });
  });

  it("ends the SSE stream with an error event when a vLLM node dies mid-stream", async () => {
    const v = await track(await startVllm({ knobs: { dieAfterChunks: 1 } }));
    const b = await track(await bridgeOver(nodes({ id: "a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 })));
    const res = await signedFetch(b, "POST", "/v1/generate", ask);
    expect(res.status).toBe(200);
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["start", "token", "error"]);
    expect(events[2]?.data).toMatchObject({ code: "upstream_stream_failed" });
  });

  it("ends the SSE stream with an error event when a llama.cpp node dies mid-stream, and frees the slot", async () => {
    const l = await track(await startLlamaCpp({ slotSavePath: true }));
    l.dieAfterChunks = 2;
    const b = await track(await bridgeOver(nodes({ id: "cpp", backend: "llamacpp", url: l.url, models: ["m"], budget_bytes: 1e9 })));
    const res = await signedFetch(b, "POST", "/v1/generate", ask);
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["start", "token", "token", "error"]);
    // The slot lock was released: the next request goes through.
    l.dieAfterChunks = null;
    const again = await call<{ text: string }>(b, "POST", "/v1/generate", { ...ask, stream: false });
    expect(again.status).toBe(200);
    expect(again.body.text).toBe("xyz");
  });

  it("answers a non-streaming request whose node dies mid-answer with upstream_stream_failed", async () => {
    const v = await track(await startVllm({ knobs: { dieAfterChunks: 2 } }));
    const b = await track(await bridgeOver(nodes({ id: "a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 })));
    const r = await call<ErrorBody>(b, "POST", "/v1/generate", { ...ask, stream: false });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe("upstream_stream_failed");
  });
});
