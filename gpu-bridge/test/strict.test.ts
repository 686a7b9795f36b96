// Every bridge request schema is strict: an unknown field (a typo such as `pin` for `pinned`) is a 400.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, q, scope } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

describe("strict request schemas", () => {
  let v: VllmStandin;
  let b: RunningBridge;

  beforeEach(async () => {
    v = await startVllm();
    b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 }), {
      trainer: { url: "http://127.0.0.1:9/never", timeoutMs: 1000 },
    });
  });
  afterEach(async () => {
    await b.close();
    await v.close();
  });

  async function refused(method: string, path: string, body?: unknown): Promise<void> {
    const r = await call<ErrorBody>(b, method, path, body);
    expect(r.status, `${method} ${path}`).toBe(400);
    expect(r.body.error.code).toBe("invalid_request");
    expect(JSON.stringify(r.body.error.details)).toContain("Unrecognized key");
  }

  it("answers an unknown field in any body, nested ones included, with 400 invalid_request and changes nothing", async () => {
    const blk = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "a block" });
    await call(b, "POST", "/v1/adapters", { ...scope, name: "style", base_model: "llama-3-8b", source: "/adapters/style" });
    const sent = v.requests.length;

    await refused("POST", "/v1/activation", { ...scope, text: "another", pin: true });
    await refused("POST", `/v1/activation/${blk.body.block.id}/refresh`, { ...scope, pinned: false, ttl: 60 });
    await refused("POST", "/v1/generate", { ...scope, messages: [{ role: "user", content: "q" }], top_p: 0.9 });
    await refused("POST", "/v1/generate", { ...scope, messages: [{ role: "user", content: "q", name: "bob" }] });
    await refused("POST", "/v1/adapters", { ...scope, name: "other", base_model: "llama-3-8b", source: "/adapters/o", rank: 8 });
    await refused("POST", "/v1/adapters/style/load", { ...scope, nodes: ["gpu-a"] });
    await refused("POST", "/v1/adapters/style/unload", { ...scope, force: true });
    const train = { ...scope, adapter_name: "t", base_model: "llama-3-8b", dataset: { texts: ["x"] } };
    await refused("POST", "/v1/training-jobs", { ...train, priority: 1 });
    await refused("POST", "/v1/training-jobs", { ...train, dataset: { texts: ["x"], labels: ["y"] } });
    await refused("POST", "/v1/training-jobs/job_x/complete", { status: "failed", reason: "oom" });

    expect(v.requests).toHaveLength(sent);
    const blocks = (await call<{ blocks: { id: string; pinned: boolean }[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks;
    expect(blocks.map((x) => [x.id, x.pinned])).toEqual([[blk.body.block.id, false]]);
    const adapters = (await call<{ adapters: { name: string; loaded_on: unknown[] }[] }>(b, "GET", `/v1/adapters?${q}`)).body.adapters;
    expect(adapters.map((a) => [a.name, a.loaded_on])).toEqual([["style", []]]);
    expect((await call<{ jobs: unknown[] }>(b, "GET", `/v1/training-jobs?${q}`)).body.jobs).toEqual([]);
  });

  it("answers an unknown query parameter with 400 invalid_request", async () => {
    const blk = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: "a block" });
    await refused("GET", `/v1/activation?${q}&node=gpu-a`);
    await refused("DELETE", `/v1/activation/${blk.body.block.id}?${q}&force=1`);
    await refused("GET", `/v1/adapters?${q}&all=1`);
    await refused("GET", `/v1/training-jobs?${q}&state=running`);
    await call(b, "POST", "/v1/adapters", { ...scope, name: "kept", base_model: "llama-3-8b", source: "/adapters/kept" });
    await refused("DELETE", `/v1/adapters/kept?${q}&force=1`);
    expect((await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks).toHaveLength(1);
    expect((await call<{ adapters: { name: string }[] }>(b, "GET", `/v1/adapters?${q}`)).body.adapters.map((a) => a.name)).toEqual(["kept"]);
  });
});
