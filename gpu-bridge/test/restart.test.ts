// The registry survives a restart of the bridge: blocks, adapters, loads, and the file is atomic.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startVllm } from "./standins/vllm.js";
import type { VllmStandin } from "./standins/vllm.js";
import { bridgeOver, call, nodes, q, scope, tempDir } from "./helpers.js";

describe("restart recovery", () => {
  let v: VllmStandin;
  beforeEach(async () => {
    v = await startVllm();
  });
  afterEach(async () => {
    await v.close();
  });

  it("lists the same blocks, hits, adapters and loads after the bridge restarts on the same file", async () => {
    const dir = tempDir();
    const dbPath = join(dir, "registry.sqlite");
    const nodeList = nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9, max_loaded_adapters: 2 });
    const first = await bridgeOver(nodeList, { dbPath });
    const blk = await call<{ block: { id: string } }>(first, "POST", "/v1/activation", { ...scope, memory_ids: ["mem_1", "mem_2"], text: "kept" });
    await call(first, "POST", "/v1/generate", { ...scope, block_ids: [blk.body.block.id], messages: [{ role: "user", content: "q" }], stream: false });
    await call(first, "POST", "/v1/adapters", { ...scope, name: "style", base_model: "llama-3-8b", source: "/adapters/style" });
    await call(first, "POST", "/v1/adapters/style/load", scope);
    const before = (await call<{ blocks: unknown[] }>(first, "GET", `/v1/activation?${q}`)).body.blocks;
    await first.close();
    // Only the final file remains: the temporary file was renamed over it.
    expect(readdirSync(dir)).toEqual(["registry.sqlite"]);

    const second = await bridgeOver(nodeList, { dbPath });
    try {
      const after = (await call<{ blocks: Record<string, unknown>[] }>(second, "GET", `/v1/activation?${q}`)).body.blocks;
      expect(after).toEqual(before);
      expect(after[0]).toMatchObject({ memory_ids: ["mem_1", "mem_2"], hits: 1, pinned: false });
      const adapters = (await call<{ adapters: { name: string; loaded_on: { node: string }[] }[] }>(second, "GET", `/v1/adapters?${q}`)).body.adapters;
      expect(adapters.map((a) => [a.name, a.loaded_on.map((l) => l.node)])).toEqual([["style", ["gpu-a"]]]);
    } finally {
      await second.close();
    }
  });

  it("clears pins an older bridge recorded on nodes that cannot pin, so they no longer hold the budget", async () => {
    const dbPath = join(tempDir(), "registry.sqlite");
    // 100 kB per block (the stand-in's prompt tokens times 1000), two fit.
    const nodeList = nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 200_000, kv_bytes_per_token: 1000 });
    const first = await bridgeOver(nodeList, { dbPath });
    const text = "x".repeat(367);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await call<{ block: { id: string } }>(first, "POST", "/v1/activation", { ...scope, text: `${text}${i}` })).body.block.id);
    // As an older bridge left them: pinned on vLLM, where pinning never meant anything.
    first.deps.db.tx(() => ids.forEach((id) => first.deps.blocks.update(id, { pinned: true })));
    await first.close();

    const second = await bridgeOver(nodeList, { dbPath });
    try {
      const after = (await call<{ blocks: { id: string; pinned: boolean }[] }>(second, "GET", `/v1/activation?${q}`)).body.blocks;
      expect(after.map((x) => x.pinned)).toEqual([false, false]);
      const third = await call<{ evicted: string[] }>(second, "POST", "/v1/activation", { ...scope, text: `${text}2` });
      expect(third.status).toBe(201);
      expect(third.body.evicted).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it("refuses to open a registry written by a newer bridge", async () => {
    const { RegistryDb } = await import("../src/registry/db.js");
    const dbPath = join(tempDir(), "r.sqlite");
    const db = await RegistryDb.open(dbPath);
    db.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    db.persist();
    db.close();
    await expect(RegistryDb.open(dbPath)).rejects.toThrow(/newer than this bridge/);
    expect(existsSync(dbPath)).toBe(true);
  });
});
