// Routes for GPU memory of a cube (activation blocks, LoRA adapters), served through the gpu-bridge.
// Mount with app.route("/v1/cubes", bridgeRoutes(deps)) after authentication.
import { z } from "zod";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  adapterAnswer,
  adapterDeleted,
  adapterList,
  adapterLoaded,
  adapterName,
  adapterUnloaded,
  blockChange,
  blockList,
  evictResult,
  jobAnswer,
  placeAdapterBody,
  refreshBlockBody,
  registerAdapterBody,
  registerBlockBody,
  trainBody,
} from "@memos-edge/bridge-protocol";
import { bridgeClientFromEnv } from "../bridge/client";
import type { BridgeClient, BridgeEnv, CallScope } from "../bridge/client";
import { ApiError } from "../errors";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdSchema } from "../memory/cube-contract";

export interface BridgeRouteDeps {
  /** Throws unless the caller may read or write the cube (scopes, ownership, grants). */
  authorize: (c: Context<AppEnv>, cubeId: string, need: "read" | "write") => Promise<void>;
  /** Chooses the client; defaults to the one configured by BRIDGE_URL and BRIDGE_SECRET. */
  client?: (env: BridgeEnv) => BridgeClient | null;
  /** Desensitizes texts bound for the node with the cube's mode and vault (before any model reads them). */
  desensitize: (c: Context<AppEnv>, cubeId: string, texts: readonly string[]) => Promise<string[]>;
}

// Bodies are the bridge's own request schemas without the tenant and cube, which come from the
// path and the key: strict like the rest of the API, so an unknown field is a 400, never ignored.
const gpu = ["gpu-memory"];
const cube = z.object({ id: cubeIdSchema });
const block = cube.extend({ blockId: z.string().min(1).max(200) });
const adapter = cube.extend({ name: adapterName });
const job = cube.extend({ jobId: z.string().min(1).max(200) });
/** A body that may be left out (a bare POST): validated when present. */
const optionalJson = <S extends z.ZodType>(schema: S) => ({ content: { "application/json": { schema } }, required: false }) as const;

const listBlocks = defineRoute({ method: "get", path: "/{id}/activation", tags: gpu, scope: "memories:read", summary: "List the cube's activation blocks (KV cache on GPU nodes)", request: { params: cube }, responses: { 200: jsonAnswer(blockList) } });
const registerBlock = defineRoute({
  method: "post", path: "/{id}/activation", tags: gpu, scope: "memories:write",
  summary: "Register a memory block and warm its KV cache on a node (LRU eviction under the node's budget; pinning only where the node's backend can keep a block, else 501)",
  request: { params: cube, body: jsonContent(registerBlockBody) }, responses: { 201: jsonAnswer(blockChange, "Registered") },
});
const refreshBlock = defineRoute({
  method: "post", path: "/{id}/activation/{blockId}/refresh", tags: gpu, scope: "memories:write",
  summary: "Re-warm a block; optionally pin or unpin it (body optional; pinning as on register)",
  request: { params: block, body: optionalJson(refreshBlockBody) }, responses: { 200: jsonAnswer(blockChange) },
});
const evictBlock = defineRoute({
  method: "delete", path: "/{id}/activation/{blockId}", tags: gpu, scope: "memories:write",
  summary: "Evict a block; `release` says what the node did (forget: nothing, its own LRU frees it; erase_slot: llama.cpp slot erased)",
  request: { params: block }, responses: { 200: jsonAnswer(evictResult) },
});
const listAdapters = defineRoute({ method: "get", path: "/{id}/adapters", tags: gpu, scope: "memories:read", summary: "List the cube's LoRA adapters and where they are loaded", request: { params: cube }, responses: { 200: jsonAnswer(adapterList) } });
const registerAdapter = defineRoute({
  method: "post", path: "/{id}/adapters", tags: gpu, scope: "memories:write", summary: "Register a LoRA adapter (weights on the node or at an object-store URL)",
  request: { params: cube, body: jsonContent(registerAdapterBody) }, responses: { 201: jsonAnswer(adapterAnswer, "Registered") },
});
const train = defineRoute({
  method: "post", path: "/{id}/adapters/train", tags: gpu, scope: "memories:write", summary: "Start a LoRA training job from memory texts; the adapter is registered when it succeeds",
  request: { params: cube, body: jsonContent(trainBody) }, responses: { 202: jsonAnswer(jobAnswer, "Started") },
});
const trainingJob = defineRoute({ method: "get", path: "/{id}/adapters/jobs/{jobId}", tags: gpu, scope: "memories:read", summary: "A training job's state", request: { params: job }, responses: { 200: jsonAnswer(jobAnswer) } });
const loadAdapter = defineRoute({
  method: "post", path: "/{id}/adapters/{name}/load", tags: gpu, scope: "memories:write", summary: "Load an adapter on a node (least recently used unloaded past the node's cap; body optional)",
  request: { params: adapter, body: optionalJson(placeAdapterBody) }, responses: { 200: jsonAnswer(adapterLoaded) },
});
const unloadAdapter = defineRoute({
  method: "post", path: "/{id}/adapters/{name}/unload", tags: gpu, scope: "memories:write", summary: "Unload an adapter from one node or all (body optional)",
  request: { params: adapter, body: optionalJson(placeAdapterBody) }, responses: { 200: jsonAnswer(adapterUnloaded) },
});

const deleteAdapter = defineRoute({
  method: "delete", path: "/{id}/adapters/{name}", tags: gpu, scope: "memories:write", summary: "Delete an adapter: unloaded from every node, then unregistered",
  request: { params: adapter }, responses: { 200: jsonAnswer(adapterDeleted) },
});

export function bridgeRoutes(deps: BridgeRouteDeps): OpenAPIHono<AppEnv> {
  const pick = deps.client ?? bridgeClientFromEnv;
  const app = routes();

  /** Checks the cube is the caller's, then resolves the client; without a configured bridge the answer is 503. */
  async function prepare(c: Context<AppEnv>, cubeId: string, need: "read" | "write"): Promise<{ client: BridgeClient; scope: CallScope }> {
    await deps.authorize(c, cubeId, need);
    const client = pick(c.env);
    if (!client) throw new ApiError("upstream_unavailable", "GPU memory is not configured on this deployment (BRIDGE_URL, BRIDGE_SECRET)");
    return { client, scope: { tenant_id: c.var.auth.tenant_id, cube_id: cubeId, request_id: c.var.requestId } };
  }

  app.openapi(listBlocks, async (c) => {
    const { client, scope } = await prepare(c, c.req.valid("param").id, "read");
    return c.json(await client.listBlocks(scope), 200);
  });
  app.openapi(registerBlock, async (c) => {
    const cubeId = c.req.valid("param").id;
    const { client, scope } = await prepare(c, cubeId, "write");
    const body = c.req.valid("json");
    const text = body.text === undefined ? undefined : (await deps.desensitize(c, cubeId, [body.text]))[0];
    return c.json(await client.registerBlock(scope, text === undefined ? body : { ...body, text }), 201);
  });
  app.openapi(refreshBlock, async (c) => {
    const p = c.req.valid("param");
    const { client, scope } = await prepare(c, p.id, "write");
    const body = c.req.valid("json");
    return c.json(await client.refreshBlock(scope, p.blockId, { pinned: body.pinned, heat: body.heat, half_life_ms: body.half_life_ms }), 200);
  });
  app.openapi(evictBlock, async (c) => {
    const p = c.req.valid("param");
    const { client, scope } = await prepare(c, p.id, "write");
    return c.json(await client.evictBlock(scope, p.blockId), 200);
  });
  app.openapi(listAdapters, async (c) => {
    const { client, scope } = await prepare(c, c.req.valid("param").id, "read");
    return c.json(await client.listAdapters(scope), 200);
  });
  app.openapi(registerAdapter, async (c) => {
    const { client, scope } = await prepare(c, c.req.valid("param").id, "write");
    return c.json(await client.registerAdapter(scope, c.req.valid("json")), 201);
  });
  app.openapi(train, async (c) => {
    const cubeId = c.req.valid("param").id;
    const { client, scope } = await prepare(c, cubeId, "write");
    const body = c.req.valid("json");
    const texts = await deps.desensitize(c, cubeId, body.dataset.texts);
    return c.json(await client.train(scope, { ...body, dataset: { texts } }), 202);
  });
  app.openapi(trainingJob, async (c) => {
    const p = c.req.valid("param");
    const { client, scope } = await prepare(c, p.id, "read");
    return c.json(await client.trainingJob(scope, p.jobId), 200);
  });
  app.openapi(loadAdapter, async (c) => {
    const p = c.req.valid("param");
    const { client, scope } = await prepare(c, p.id, "write");
    return c.json(await client.loadAdapter(scope, p.name, c.req.valid("json").node), 200);
  });
  app.openapi(unloadAdapter, async (c) => {
    const p = c.req.valid("param");
    const { client, scope } = await prepare(c, p.id, "write");
    return c.json(await client.unloadAdapter(scope, p.name, c.req.valid("json").node), 200);
  });
  app.openapi(deleteAdapter, async (c) => {
    const p = c.req.valid("param");
    const { client, scope } = await prepare(c, p.id, "write");
    return c.json(await client.deleteAdapter(scope, p.name), 200);
  });
  return app;
}
