// End to end: the Worker in workerd → a real gpu-bridge → a vLLM stand-in (test/setup/bridge-global.ts).
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq } from "./helpers";
import type { Tenant } from "./helpers";

interface Block {
  id: string;
  cube_id: string;
  memory_ids: string[];
  node: string;
  model: string;
  tokens: number;
  size_bytes: number;
  hits: number;
  pinned: boolean;
}
interface Adapter {
  id: string;
  name: string;
  base_model: string;
  loaded_on: { node: string }[];
}
interface Job {
  id: string;
  state: string;
  adapter: Adapter | null;
}
interface Err {
  error: { code: string; message: string; details?: Record<string, unknown> };
  request_id: string;
}

const TEXT = "Alice lives in Lyon. She prefers tea over coffee. ".repeat(4);

async function withCube(scopes?: string[]): Promise<{ t: Tenant; cube: string }> {
  const t = await newTenant(scopes);
  const cube = uniq("gpu");
  const made = await api(t, "POST", "/v1/cubes", { id: cube, name: "GPU memory" });
  if (made.status !== 201) throw new Error(`cube: ${made.status} ${JSON.stringify(made.body)}`);
  return { t, cube };
}

describe("GPU memory routes through the bridge", () => {
  it("registers, lists, refreshes and evicts an activation block warmed on the node", async () => {
    const { t, cube } = await withCube();
    const reg = await api<{ block: Block; evicted: string[] }>(t, "POST", `/v1/cubes/${cube}/activation`, { memory_ids: ["mem_1"], text: TEXT });
    expect(reg.status).toBe(201);
    // The size comes from the stand-in's own prompt count (one token per 4 characters of the
    // rendered prompt) times kv_bytes_per_token: the request went all the way to the node.
    const tokens = Math.ceil(`<|system|>${TEXT}<|end|><|assistant|>`.length / 4);
    expect(reg.body.block).toMatchObject({ cube_id: cube, memory_ids: ["mem_1"], node: "e2e-gpu", model: "llama-3-8b", tokens, size_bytes: tokens * 1000, hits: 0, pinned: false });
    expect(reg.body.evicted).toEqual([]);
    const id = reg.body.block.id;

    const list = await api<{ blocks: Block[] }>(t, "GET", `/v1/cubes/${cube}/activation`);
    expect(list.status).toBe(200);
    expect(list.body.blocks.map((b) => b.id)).toEqual([id]);

    const refreshed = await api<{ block: Block }>(t, "POST", `/v1/cubes/${cube}/activation/${id}/refresh`, {});
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.block).toMatchObject({ id, pinned: false });
    // vLLM's prefix cache evicts by its own LRU: a pin would promise what the node cannot keep.
    const pin = await api<Err>(t, "POST", `/v1/cubes/${cube}/activation/${id}/refresh`, { pinned: true });
    expect(pin.status).toBe(501);
    expect(pin.body.error.code).toBe("not_implemented");

    const gone = await api<{ evicted: string; node: string }>(t, "DELETE", `/v1/cubes/${cube}/activation/${id}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ evicted: id, node: "e2e-gpu" });
    expect((await api<{ blocks: Block[] }>(t, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toEqual([]);
    expect((await api<Err>(t, "DELETE", `/v1/cubes/${cube}/activation/${id}`)).status).toBe(404);
  });

  it("desensitizes a block's text with the cube's vault before the node sees it", async () => {
    const { t, cube } = await withCube();
    const email = "alexandrina.longname@example.com";
    const stored = await api<{ memories: Array<{ text: string }> }>(t, "POST", "/v1/memories", { cube_id: cube, text: `Write to ${email}`, infer: false });
    expect(stored.body.memories[0]?.text).toBe("Write to [EMAIL_1]");
    const reg = await api<{ block: Block }>(t, "POST", `/v1/cubes/${cube}/activation`, { text: `Contact: ${email}. Card 4111 1111 1111 1111.` });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    // The stand-in counts one token per 4 characters of the prompt it was given: the masked text's,
    // the known email under the memory's placeholder, the card under a number the vault never gave.
    const masked = "Contact: [EMAIL_1]. Card [CARD_1].";
    expect(reg.body.block.tokens).toBe(Math.ceil(`<|system|>${masked}<|end|><|assistant|>`.length / 4));
    // Nothing was stored: the vault still holds the one email.
    expect((await api(t, "GET", `/v1/cubes/${cube}/privacy`)).body).toMatchObject({ vault_entries: 1 });
  });

  it("registers an adapter, loads it on the node, lists where it is loaded, unloads it, and deletes it", async () => {
    const { t, cube } = await withCube();
    const reg = await api<{ adapter: Adapter }>(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "alice-style", base_model: "llama-3-8b", source: "/adapters/alice" });
    expect(reg.status).toBe(201);
    expect(reg.body.adapter).toMatchObject({ name: "alice-style", base_model: "llama-3-8b", loaded_on: [] });

    const load = await api<{ adapter: Adapter; node: string }>(t, "POST", `/v1/cubes/${cube}/adapters/alice-style/load`);
    expect(load.status).toBe(200);
    expect(load.body.node).toBe("e2e-gpu");
    const listed = await api<{ adapters: Adapter[] }>(t, "GET", `/v1/cubes/${cube}/adapters`);
    expect(listed.body.adapters.map((a) => [a.name, a.loaded_on.map((l) => l.node)])).toEqual([["alice-style", ["e2e-gpu"]]]);

    const unload = await api<{ unloaded_from: string[] }>(t, "POST", `/v1/cubes/${cube}/adapters/alice-style/unload`, {});
    expect(unload.status).toBe(200);
    expect(unload.body.unloaded_from).toEqual(["e2e-gpu"]);
    expect((await api<{ adapters: Adapter[] }>(t, "GET", `/v1/cubes/${cube}/adapters`)).body.adapters[0]?.loaded_on).toEqual([]);

    // Deleted: loaded again first, then unloaded everywhere and unregistered; another tenant's key and a second delete find nothing.
    expect((await api(t, "POST", `/v1/cubes/${cube}/adapters/alice-style/load`)).status).toBe(200);
    const other = await newTenant();
    expect((await api(other, "DELETE", `/v1/cubes/${cube}/adapters/alice-style`)).status).toBe(404);
    const del = await api<{ deleted: string; unloaded_from: string[] }>(t, "DELETE", `/v1/cubes/${cube}/adapters/alice-style`);
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    expect(del.body).toEqual({ deleted: "alice-style", unloaded_from: ["e2e-gpu"] });
    expect((await api<{ adapters: Adapter[] }>(t, "GET", `/v1/cubes/${cube}/adapters`)).body.adapters).toEqual([]);
    expect((await api(t, "DELETE", `/v1/cubes/${cube}/adapters/alice-style`)).status).toBe(404);
  });

  it("deleting the cube unloads and unregisters its adapters and evicts its blocks on the bridge", async () => {
    const { t, cube } = await withCube();
    expect((await api(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "gone-style", base_model: "llama-3-8b", source: "/adapters/gone" })).status).toBe(201);
    expect((await api(t, "POST", `/v1/cubes/${cube}/adapters/gone-style/load`)).status).toBe(200);
    expect((await api(t, "POST", `/v1/cubes/${cube}/activation`, { memory_ids: [], text: TEXT })).status).toBe(201);
    const deleted = await api(t, "DELETE", `/v1/cubes/${cube}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    // A new cube of the same id (the bridge keys by tenant and cube id) finds nothing left behind.
    expect((await api(t, "POST", "/v1/cubes", { id: cube, name: "again" })).status).toBe(201);
    expect((await api<{ adapters: Adapter[] }>(t, "GET", `/v1/cubes/${cube}/adapters`)).body.adapters).toEqual([]);
    expect((await api<{ blocks: Block[] }>(t, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toEqual([]);
    // The name is free again: registering it is not a conflict.
    expect((await api(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "gone-style", base_model: "llama-3-8b", source: "/adapters/gone" })).status).toBe(201);
  });

  it("passes the node's refusal of missing weights on as 404, and an unknown adapter as 404", async () => {
    const { t, cube } = await withCube();
    await api(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "nowhere", base_model: "llama-3-8b", source: "/elsewhere/x" });
    const load = await api<Err>(t, "POST", `/v1/cubes/${cube}/adapters/nowhere/load`);
    expect(load.status).toBe(404);
    expect(load.body.error.code).toBe("not_found");
    expect((await api<Err>(t, "POST", `/v1/cubes/${cube}/adapters/never-registered/load`)).status).toBe(404);
  });

  it("runs a training job through the trainer command and registers the adapter it reports", async () => {
    const { t, cube } = await withCube();
    const started = await api<{ job: Job }>(t, "POST", `/v1/cubes/${cube}/adapters/train`, {
      adapter_name: "distilled",
      base_model: "llama-3-8b",
      dataset: { texts: ["Alice lives in Lyon.", "Alice prefers tea."] },
      hyperparameters: { rank: 8 },
    });
    expect(started.status).toBe(202);
    let job = started.body.job;
    for (let i = 0; i < 100 && (job.state === "queued" || job.state === "running"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await api<{ job: Job }>(t, "GET", `/v1/cubes/${cube}/adapters/jobs/${job.id}`)).body.job;
    }
    expect(job.state).toBe("succeeded");
    expect(job.adapter).toMatchObject({ name: "distilled", base_model: "llama-3-8b" });
    const listed = await api<{ adapters: Adapter[] }>(t, "GET", `/v1/cubes/${cube}/adapters`);
    expect(listed.body.adapters.map((a) => a.name)).toEqual(["distilled"]);
  });

  it("answers 404 to another tenant, even one with a cube of the same id, and never shows it the blocks", async () => {
    const { t, cube } = await withCube();
    const reg = await api<{ block: Block }>(t, "POST", `/v1/cubes/${cube}/activation`, { text: TEXT });
    expect(reg.status).toBe(201);
    const other = await newTenant();
    expect((await api<Err>(other, "GET", `/v1/cubes/${cube}/activation`)).status).toBe(404);
    expect((await api<Err>(other, "DELETE", `/v1/cubes/${cube}/activation/${reg.body.block.id}`)).status).toBe(404);
    expect((await api<Err>(other, "POST", `/v1/cubes/${cube}/adapters/x/load`)).status).toBe(404);
    // Same cube id in the other tenant: the bridge scopes blocks by tenant too.
    expect((await api(other, "POST", "/v1/cubes", { id: cube, name: "same id" })).status).toBe(201);
    expect((await api<{ blocks: Block[] }>(other, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toEqual([]);
    const cross = await api<Err>(other, "DELETE", `/v1/cubes/${cube}/activation/${reg.body.block.id}`);
    expect(cross.status).toBe(404);
    expect((await api<{ blocks: Block[] }>(t, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toHaveLength(1);
  });

  it("answers 403 without the scope a route needs", async () => {
    const { t, cube } = await withCube();
    const reader = await newTenant(["memories:read"]);
    // The reader's own cube: creating one needs write, so reuse the check on a cube it cannot write.
    const denied = await api<Err>(reader, "POST", `/v1/cubes/${cube}/activation`, { text: TEXT });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    const writerOnly = await newTenant(["memories:write"]);
    expect((await api<Err>(writerOnly, "GET", `/v1/cubes/${cube}/adapters`)).status).toBe(403);
    expect((await api<{ blocks: Block[] }>(t, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toEqual([]);
  });

  it("answers 400 to bad input and changes nothing", async () => {
    const { t, cube } = await withCube();
    const both = await api<Err>(t, "POST", `/v1/cubes/${cube}/activation`, { text: "x", token_ids: [1, 2] });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe("invalid_request");
    expect((await api<Err>(t, "POST", `/v1/cubes/${cube}/activation`, "{not json")).status).toBe(400);
    expect((await api<Err>(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "bad name!", base_model: "m", source: "/adapters/a" })).status).toBe(400);
    expect((await api<Err>(t, "POST", `/v1/cubes/${cube}/adapters/bad%20name/load`)).status).toBe(400);
    expect((await api<{ blocks: Block[] }>(t, "GET", `/v1/cubes/${cube}/activation`)).body.blocks).toEqual([]);
    expect((await api<{ adapters: Adapter[] }>(t, "GET", `/v1/cubes/${cube}/adapters`)).body.adapters).toEqual([]);
  });
});

describe("GPU memory routes in the OpenAPI document", () => {
  it("lists every bridge route with its scope, body and response schemas", async () => {
    const res = await api<{ paths: Record<string, Record<string, { "x-required-scope"?: string; requestBody?: unknown; responses: Record<string, unknown> }>> }>(null, "GET", "/v1/openapi.json");
    const paths = res.body.paths;
    expect(paths["/v1/cubes/{id}/activation"]?.post?.["x-required-scope"]).toBe("memories:write");
    expect(paths["/v1/cubes/{id}/activation"]?.post?.requestBody).toBeDefined();
    expect(paths["/v1/cubes/{id}/activation"]?.post?.responses["201"]).toBeDefined();
    expect(paths["/v1/cubes/{id}/activation"]?.get?.["x-required-scope"]).toBe("memories:read");
    for (const p of ["/v1/cubes/{id}/activation/{blockId}/refresh", "/v1/cubes/{id}/adapters/train", "/v1/cubes/{id}/adapters/{name}/load", "/v1/cubes/{id}/adapters/{name}/unload"]) {
      expect(paths[p]?.post, p).toBeDefined();
    }
    expect(paths["/v1/cubes/{id}/activation/{blockId}"]?.delete).toBeDefined();
    expect(paths["/v1/cubes/{id}/adapters/{name}"]?.delete?.["x-required-scope"]).toBe("memories:write");
    expect(paths["/v1/cubes/{id}/adapters/jobs/{jobId}"]?.get).toBeDefined();
  });
});
