// Routes for GPU memory of a cube (activation blocks, LoRA adapters), served through the gpu-bridge.
// Mount with app.route("/v1/cubes", bridgeRoutes(deps)) after authentication.
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { bridgeClientFromEnv } from "../bridge/client";
import type { BridgeClient, BridgeEnv, BridgeScope } from "../bridge/client";
import { ApiError } from "../errors";
import type { AppEnv } from "./context";
import { describeRoute } from "./openapi-registry";
import { jsonBody } from "./validate";

export interface BridgeRouteDeps {
  /** Throws unless the caller may read or write the cube (scopes, ownership, grants). */
  authorize: (c: Context<AppEnv>, cubeId: string, need: "read" | "write") => Promise<void>;
  /** Chooses the client; defaults to the one configured by BRIDGE_URL and BRIDGE_SECRET. */
  client?: (env: BridgeEnv) => BridgeClient | null;
}

const name = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "letters, digits, _ . - (1 to 64)");
const node = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/);
// Request schemas are strict like the rest of the API: an unknown field is a 400, never ignored.
const blockSchema = z
  .strictObject({
    memory_ids: z.array(z.string().min(1).max(200)).max(1000).default([]),
    text: z.string().min(1).max(2_000_000).optional(),
    token_ids: z.array(z.number().int().min(0)).min(1).max(500_000).optional(),
    model: z.string().min(1).max(200).optional(),
    node: node.optional(),
    pinned: z.boolean().optional(),
  })
  .refine((b) => (b.text === undefined) !== (b.token_ids === undefined), { message: "give exactly one of text or token_ids" });
const refreshSchema = z.strictObject({ pinned: z.boolean().optional() });
const adapterSchema = z.strictObject({ name, base_model: z.string().min(1).max(200), source: z.string().min(1).max(2000) });
const placeSchema = z.strictObject({ node: node.optional() });
const trainSchema = z.strictObject({
  adapter_name: name,
  base_model: z.string().min(1).max(200),
  dataset: z.strictObject({ texts: z.array(z.string().min(1).max(100_000)).min(1).max(100_000) }),
  hyperparameters: z.record(z.string().max(64), z.union([z.number(), z.string().max(200), z.boolean()])).optional(),
});

const blockView = z.object({
  id: z.string(),
  cube_id: z.string(),
  memory_ids: z.array(z.string()),
  model: z.string(),
  node: z.string(),
  kind: z.enum(["text", "token_ids"]),
  tokens: z.number().int(),
  size_bytes: z.number().int(),
  hits: z.number().int(),
  pinned: z.boolean(),
  created_at: z.string(),
  last_used_at: z.string(),
});
const adapterView = z.object({
  id: z.string(),
  cube_id: z.string(),
  name: z.string(),
  base_model: z.string(),
  source: z.string(),
  job_id: z.string().nullable(),
  created_at: z.string(),
  loaded_on: z.array(z.object({ node: z.string(), loaded_at: z.string(), last_used_at: z.string() })),
});
const jobView = z.object({
  id: z.string(),
  cube_id: z.string(),
  adapter_name: z.string(),
  base_model: z.string(),
  state: z.enum(["queued", "running", "succeeded", "failed"]),
  error: z.string().nullable(),
  adapter: adapterView.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
const blockChange = z.object({ block: blockView, evicted: z.array(z.string()) });
const R = "memories:read";
const W = "memories:write";
const gpu = "gpu-memory";
describeRoute({ method: "get", path: "/v1/cubes/{id}/activation", tag: gpu, scope: R, summary: "List the cube's activation blocks (KV cache on GPU nodes)", response: z.object({ blocks: z.array(blockView) }) });
describeRoute({ method: "post", path: "/v1/cubes/{id}/activation", tag: gpu, scope: W, status: 201, summary: "Register a memory block and warm its KV cache on a node (LRU eviction under the node's budget; pinning only where the node's backend can keep a block, else 501)", body: blockSchema, response: blockChange });
describeRoute({ method: "post", path: "/v1/cubes/{id}/activation/{blockId}/refresh", tag: gpu, scope: W, summary: "Re-warm a block; optionally pin or unpin it (body optional; pinning as on register)", body: refreshSchema, response: blockChange });
describeRoute({ method: "delete", path: "/v1/cubes/{id}/activation/{blockId}", tag: gpu, scope: W, summary: "Evict a block; `release` says what the node did (forget: nothing, its own LRU frees it; erase_slot: llama.cpp slot erased)", response: z.object({ evicted: z.string(), node: z.string(), released: z.boolean(), release: z.enum(["forget", "erase_slot"]).nullable() }) });
describeRoute({ method: "get", path: "/v1/cubes/{id}/adapters", tag: gpu, scope: R, summary: "List the cube's LoRA adapters and where they are loaded", response: z.object({ adapters: z.array(adapterView) }) });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters", tag: gpu, scope: W, status: 201, summary: "Register a LoRA adapter (weights on the node or at an object-store URL)", body: adapterSchema, response: z.object({ adapter: adapterView }) });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters/train", tag: gpu, scope: W, status: 202, summary: "Start a LoRA training job from memory texts; the adapter is registered when it succeeds", body: trainSchema, response: z.object({ job: jobView }) });
describeRoute({ method: "get", path: "/v1/cubes/{id}/adapters/jobs/{jobId}", tag: gpu, scope: R, summary: "A training job's state", response: z.object({ job: jobView }) });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters/{name}/load", tag: gpu, scope: W, summary: "Load an adapter on a node (least recently used unloaded past the node's cap; body optional)", body: placeSchema, response: z.object({ adapter: adapterView, node: z.string(), unloaded: z.array(z.string()) }) });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters/{name}/unload", tag: gpu, scope: W, summary: "Unload an adapter from one node or all (body optional)", body: placeSchema, response: z.object({ adapter: adapterView, unloaded_from: z.array(z.string()) }) });

export function bridgeRoutes(deps: BridgeRouteDeps): Hono<AppEnv> {
  const pick = deps.client ?? bridgeClientFromEnv;
  const app = new Hono<AppEnv>();

  /** Authorizes, then resolves the client; without a configured bridge the answer is 503. */
  async function prepare(c: Context<AppEnv>, need: "read" | "write"): Promise<{ client: BridgeClient; scope: BridgeScope }> {
    const cubeId = c.req.param("id");
    if (!cubeId) throw new ApiError("invalid_request", "cube id is required");
    await deps.authorize(c, cubeId, need);
    const client = pick(c.env);
    if (!client) throw new ApiError("upstream_unavailable", "GPU memory is not configured on this deployment (BRIDGE_URL, BRIDGE_SECRET)");
    return { client, scope: { tenant_id: c.var.auth.tenant_id, cube_id: cubeId } };
  }

  app.get("/:id/activation", async (c) => {
    const { client, scope } = await prepare(c, "read");
    return c.json(await client.listBlocks(scope));
  });

  app.post("/:id/activation", async (c) => {
    const body = await jsonBody(c, blockSchema);
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.registerBlock(scope, body), 201);
  });

  app.post("/:id/activation/:blockId/refresh", async (c) => {
    // The body is optional here: a bare POST refreshes without changing pinning.
    const body = c.req.header("content-type") ? await jsonBody(c, refreshSchema) : {};
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.refreshBlock(scope, c.req.param("blockId"), body.pinned));
  });

  app.delete("/:id/activation/:blockId", async (c) => {
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.evictBlock(scope, c.req.param("blockId")));
  });

  app.get("/:id/adapters", async (c) => {
    const { client, scope } = await prepare(c, "read");
    return c.json(await client.listAdapters(scope));
  });

  app.post("/:id/adapters", async (c) => {
    const body = await jsonBody(c, adapterSchema);
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.registerAdapter(scope, body), 201);
  });

  app.post("/:id/adapters/train", async (c) => {
    const body = await jsonBody(c, trainSchema);
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.train(scope, body), 202);
  });

  app.get("/:id/adapters/jobs/:jobId", async (c) => {
    const { client, scope } = await prepare(c, "read");
    return c.json(await client.trainingJob(scope, c.req.param("jobId")));
  });

  for (const action of ["load", "unload"] as const) {
    app.post(`/:id/adapters/:name/${action}`, async (c) => {
      const parsed = name.safeParse(c.req.param("name"));
      if (!parsed.success) throw new ApiError("invalid_request", "adapter name is invalid");
      const body = c.req.header("content-type") ? await jsonBody(c, placeSchema) : {};
      const { client, scope } = await prepare(c, "write");
      return c.json(action === "load" ? await client.loadAdapter(scope, parsed.data, body.node) : await client.unloadAdapter(scope, parsed.data, body.node));
    });
  }

  return app;
}
