// The bridge against a llama.cpp stand-in: slot save/restore/erase, id_slot and cache_prompt,
// /lora-adapters scales and per-request lora scales.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { NO_SLOT_SAVE_PATH, startLlamaCpp } from "./standins/llamacpp.js";
import type { LlamaStandin } from "./standins/llamacpp.js";
import { bridgeOver, call, nodes, q, readSse, scope, signedFetch } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

const TEXT = "Bob is allergic to peanuts and works nights. ".repeat(6);

describe("llama.cpp backend", () => {
  let l: LlamaStandin;
  let b: RunningBridge;

  beforeEach(async () => {
    l = await startLlamaCpp({ slots: 2, slotSavePath: true, loras: ["/models/lora/a.gguf", "/models/lora/b.gguf"] });
    b = await bridgeOver(nodes({ id: "cpp", backend: "llamacpp", url: l.url, models: ["qwen2.5-7b"], budget_bytes: 1e10, slot_id: 1 }));
  });
  afterEach(async () => {
    await b.close();
    await l.close();
  });

  it("prepares a block by evaluating it in the slot and saving the slot to <block id>.bin", async () => {
    const r = await call<{ block: { id: string; size_bytes: number; tokens: number } }>(b, "POST", "/v1/activation", { ...scope, text: TEXT });
    expect(r.status).toBe(201);
    const id = r.body.block.id;
    const prompt = `<|im_start|>system\n${TEXT}`;
    expect(l.requests.map((x) => `${x.method} ${x.path}`)).toEqual(["POST /completion", "POST /slots/1?action=save"]);
    expect(l.requests[0]?.body).toEqual({ prompt, n_predict: 0, id_slot: 1, cache_prompt: true, stream: false });
    expect(l.requests[1]?.body).toEqual({ filename: `${id}.bin` });
    // Size is what llama.cpp wrote (n_written), tokens what it saved (n_saved).
    const tokens = Math.ceil(prompt.length / 4);
    expect(r.body.block).toMatchObject({ tokens, size_bytes: tokens * 1000 });
    expect(l.files.get(`${id}.bin`)).toBe(prompt);
  });

  it("restores the slot when another block used it, then streams /completion with id_slot and cache_prompt", async () => {
    const one = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: TEXT });
    await call(b, "POST", "/v1/activation", { ...scope, text: "another block entirely" });
    l.requests.length = 0;
    const res = await signedFetch(b, "POST", "/v1/generate", {
      ...scope,
      block_ids: [one.body.block.id],
      messages: [{ role: "user", content: "What is Bob allergic to?" }],
      max_tokens: 8,
      temperature: 0,
    });
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["start", "token", "token", "token", "done"]);
    // The adapter list is read once, for the per-request scales.
    expect(l.requests.map((x) => `${x.method} ${x.path}`)).toEqual(["POST /slots/1?action=restore", "GET /lora-adapters", "POST /completion"]);
    expect(l.requests[0]?.body).toEqual({ filename: `${one.body.block.id}.bin` });
    expect(l.requests[2]?.body).toEqual({
      prompt: `<|im_start|>system\n${TEXT}<|im_end|>\n<|im_start|>user\nWhat is Bob allergic to?<|im_end|>\n<|im_start|>assistant\n`,
      n_predict: 8,
      temperature: 0,
      id_slot: 1,
      cache_prompt: true,
      stream: true,
      lora: [
        { id: 0, scale: 0 },
        { id: 1, scale: 0 },
      ],
    });
    expect(events[4]?.data).toMatchObject({ cache_hit: true, cache_source: "node", finish_reason: "stop" });
    // A second request with the same block finds it in the slot: no restore.
    l.requests.length = 0;
    await call(b, "POST", "/v1/generate", { ...scope, block_ids: [one.body.block.id], messages: [{ role: "user", content: "again" }], stream: false });
    expect(l.requests.map((x) => x.path)).toEqual(["/completion"]);
  });

  it("sends token-id blocks as a mixed prompt of tokens and text", async () => {
    const r = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, token_ids: [101, 102, 103] });
    expect(r.status).toBe(201);
    expect(l.requests[0]?.body).toMatchObject({ prompt: [101, 102, 103], n_predict: 0 });
    await call(b, "POST", "/v1/generate", { ...scope, block_ids: [r.body.block.id], messages: [{ role: "user", content: "q" }], stream: false });
    const last = l.sent("/completion").at(-1)?.body as { prompt: unknown[] };
    expect(last.prompt).toEqual([101, 102, 103, "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n"]);
  });

  it("loads an adapter by scaling the matching --lora file and isolates it per request", async () => {
    await call(b, "POST", "/v1/adapters", { ...scope, name: "b-style", base_model: "qwen2.5-7b", source: "/models/lora/b.gguf" });
    l.loras.forEach((e) => (e.scale = 0));
    const r = await call(b, "POST", "/v1/adapters/b-style/load", scope);
    expect(r.status).toBe(200);
    expect(l.sent("/lora-adapters").map((x) => x.method)).toEqual(["GET", "POST"]);
    expect(l.sent("/lora-adapters")[1]?.body).toEqual([
      { id: 0, scale: 0 },
      { id: 1, scale: 1 },
    ]);
    await call(b, "POST", "/v1/generate", { ...scope, adapter: "b-style", messages: [{ role: "user", content: "q" }], stream: false });
    expect((l.sent("/completion").at(-1)?.body as { lora: unknown }).lora).toEqual([
      { id: 0, scale: 0 },
      { id: 1, scale: 1 },
    ]);
    await call(b, "POST", "/v1/adapters/b-style/unload", scope);
    expect(l.loras.map((e) => e.scale)).toEqual([0, 0]);
  });

  it("explains that llama.cpp cannot load an adapter file it was not started with", async () => {
    await call(b, "POST", "/v1/adapters", { ...scope, name: "c", base_model: "qwen2.5-7b", source: "/models/lora/c.gguf" });
    const r = await call<ErrorBody>(b, "POST", "/v1/adapters/c/load", scope);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
    expect(r.body.error.message).toContain("--lora");
  });

  it("erases the slot when the block it holds is evicted", async () => {
    const one = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: TEXT });
    l.requests.length = 0;
    await call(b, "DELETE", `/v1/activation/${one.body.block.id}?${q}`);
    expect(l.requests.map((x) => `${x.method} ${x.path}`)).toEqual(["POST /slots/1?action=erase"]);
    expect(l.slots[1]).toBe("");
  });

  it("refuses blocks on a server started without --slot-save-path as unsupported, registering nothing", async () => {
    const bare = await startLlamaCpp({ slotSavePath: false });
    const b2 = await bridgeOver(nodes({ id: "bare", backend: "llamacpp", url: bare.url, models: ["m"], budget_bytes: 1e10 }));
    try {
      const r = await call<ErrorBody>(b2, "POST", "/v1/activation", { ...scope, text: "x" });
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: "unsupported_operation", details: { backend: "llamacpp", node: "bare", operation: "kv_save_restore" } });
      expect(r.body.error.message).toContain("--slot-save-path");
      const list = await call<{ blocks: unknown[] }>(b2, "GET", `/v1/activation?${q}`);
      expect(list.body.blocks).toEqual([]);
    } finally {
      await b2.close();
      await bare.close();
    }
  });

  it("stand-in: without --slot-save-path every slot action answers 501, erase included, as llama-server does", async () => {
    const bare = await startLlamaCpp({ slotSavePath: false });
    try {
      for (const action of ["save", "restore", "erase", "bogus"]) {
        const res = await fetch(`${bare.url}/slots/0?action=${action}`, { method: "POST", body: JSON.stringify({ filename: "a.bin" }) });
        expect(res.status, action).toBe(501);
        expect(await res.json()).toEqual({ error: { code: 501, message: NO_SLOT_SAVE_PATH, type: "not_supported_error" } });
      }
    } finally {
      await bare.close();
    }
  });

  it("drops a block whose erase the node refuses (restarted without --slot-save-path) and says it was not released", async () => {
    const one = await call<{ block: { id: string } }>(b, "POST", "/v1/activation", { ...scope, text: TEXT });
    l.slotSavePath = false;
    l.requests.length = 0;
    const r = await call<{ evicted: string; released: boolean }>(b, "DELETE", `/v1/activation/${one.body.block.id}?${q}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ evicted: one.body.block.id, released: false });
    expect(l.requests.map((x) => `${x.method} ${x.path}`)).toEqual(["POST /slots/1?action=erase"]);
    expect((await call<{ blocks: unknown[] }>(b, "GET", `/v1/activation?${q}`)).body.blocks).toEqual([]);
  });
});
