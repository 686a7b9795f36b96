// The per-node cap on loaded adapters: least recently used is unloaded first, on the node too.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, q, scope } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

describe("LoRA cap", () => {
  let v: VllmStandin;
  let b: RunningBridge;
  let clock = 1_700_000_000_000;

  beforeEach(async () => {
    v = await startVllm();
    b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9, max_loaded_adapters: 2 }));
    b.deps.now = () => (clock += 1000);
    for (const name of ["a", "b", "c"]) {
      await call(b, "POST", "/v1/adapters", { ...scope, name, base_model: "llama-3-8b", source: `/adapters/${name}` });
    }
  });
  afterEach(async () => {
    await b.close();
    await v.close();
  });

  const idOf = async (name: string) =>
    (await call<{ adapters: { name: string; id: string }[] }>(b, "GET", `/v1/adapters?${q}`)).body.adapters.find((a) => a.name === name)?.id;

  it("unloads the least recently used adapter when a third is loaded", async () => {
    await call(b, "POST", "/v1/adapters/a/load", scope);
    await call(b, "POST", "/v1/adapters/b/load", scope);
    // Generating with `a` makes `b` the least recently used.
    await call(b, "POST", "/v1/generate", { ...scope, adapter: "a", messages: [{ role: "user", content: "q" }], stream: false });
    const r = await call<{ unloaded: string[] }>(b, "POST", "/v1/adapters/c/load", scope);
    expect(r.status).toBe(200);
    expect(r.body.unloaded).toEqual(["b"]);
    expect(v.sent("/v1/unload_lora_adapter").map((x) => x.body)).toEqual([{ lora_name: await idOf("b") }]);
    expect([...v.loras.keys()].sort()).toEqual([await idOf("a"), await idOf("c")].sort());
    const loaded = (await call<{ nodes: { loadedAdapters: number }[] }>(b, "GET", "/v1/nodes")).body.nodes[0]?.loadedAdapters;
    expect(loaded).toBe(2);
  });

  it("loading an adapter that is already loaded sends nothing to the node", async () => {
    await call(b, "POST", "/v1/adapters/a/load", scope);
    await call(b, "POST", "/v1/adapters/a/load", scope);
    expect(v.sent("/v1/load_lora_adapter")).toHaveLength(1);
  });

  it("refuses duplicate names and unknown adapters with stable codes", async () => {
    const dup = await call<ErrorBody>(b, "POST", "/v1/adapters", { ...scope, name: "a", base_model: "llama-3-8b", source: "/adapters/a2" });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");
    const missing = await call<ErrorBody>(b, "POST", "/v1/adapters/zzz/load", scope);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const badSource = await call<ErrorBody>(b, "POST", "/v1/adapters", { ...scope, name: "d", base_model: "llama-3-8b", source: "/adapters/../../etc" });
    expect(badSource.status).toBe(400);
    const wrongBase = await call<ErrorBody>(b, "POST", "/v1/adapters", { ...scope, name: "e", base_model: "other-model", source: "/adapters/e" });
    expect(wrongBase.status).toBe(201);
    const noNode = await call<ErrorBody>(b, "POST", "/v1/adapters/e/load", scope);
    expect(noNode.status).toBe(422);
    expect(noNode.body.error.code).toBe("no_node");
  });

  it("deletes an adapter: unloaded from the node, gone from the registry, its name free again; another cube's name is not found", async () => {
    await call(b, "POST", "/v1/adapters/a/load", scope);
    const id = await idOf("a");
    const other = await call<ErrorBody>(b, "DELETE", `/v1/adapters/a?tenant_id=${scope.tenant_id}&cube_id=user%3Abob`);
    expect(other.status).toBe(404);
    expect(v.loras.has(id as string)).toBe(true);
    const r = await call<{ deleted: string; unloaded_from: string[] }>(b, "DELETE", `/v1/adapters/a?${q}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ deleted: "a", unloaded_from: ["gpu-a"] });
    expect(v.loras.has(id as string)).toBe(false);
    expect(await idOf("a")).toBeUndefined();
    expect((await call(b, "GET", "/v1/nodes")).body).toMatchObject({ nodes: [{ loadedAdapters: 0 }] });
    expect((await call(b, "POST", "/v1/adapters", { ...scope, name: "a", base_model: "llama-3-8b", source: "/adapters/a2" })).status).toBe(201);
    expect((await call<ErrorBody>(b, "DELETE", `/v1/adapters/never?${q}`)).status).toBe(404);
  });
});
