// Routes for GPU memory of a cube (activation blocks, LoRA adapters), served through the gpu-bridge.
// Mount with app.route("/v1/cubes", bridgeRoutes(deps)) after authentication.
import { Hono } from "hono";
import type { Context } from "hono";
import {
  adapterAnswer,
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
import type { BridgeScope } from "@memos-edge/bridge-protocol";
import { bridgeClientFromEnv } from "../bridge/client";
import type { BridgeClient, BridgeEnv } from "../bridge/client";
import { ApiError } from "../errors";
import type { AppEnv } from "./app-env";
import { describeRoute } from "./openapi-registry";
import { jsonBody } from "./validate";

export interface BridgeRouteDeps {
  /** Throws unless the caller may read or write the cube (scopes, ownership, grants). */
  authorize: (c: Context<AppEnv>, cubeId: string, need: "read" | "write") => Promise<void>;
  /** Chooses the client; defaults to the one configured by BRIDGE_URL and BRIDGE_SECRET. */
  client?: (env: BridgeEnv) => BridgeClient | null;
}

// Bodies are the bridge's own request schemas without the tenant and cube, which come from the
// path and the key: strict like the rest of the API, so an unknown field is a 400, never ignored.
const R = "memories:read";
const W = "memories:write";
const gpu = "gpu-memory";
describeRoute({ method: "get", path: "/v1/cubes/{id}/activation", tag: gpu, scope: R, summary: "List the cube's activation blocks (KV cache on GPU nodes)", response: blockList });
describeRoute({ method: "post", path: "/v1/cubes/{id}/activation", tag: gpu, scope: W, status: 201, summary: "Register a memory block and warm its KV cache on a node (LRU eviction under the node's budget; pinning only where the node's backend can keep a block, else 501)", body: registerBlockBody, response: blockChange });
describeRoute({ method: "post", path: "/v1/cubes/{id}/activation/{blockId}/refresh", tag: gpu, scope: W, summary: "Re-warm a block; optionally pin or unpin it (body optional; pinning as on register)", body: refreshBlockBody, response: blockChange });
describeRoute({ method: "delete", path: "/v1/cubes/{id}/activation/{blockId}", tag: gpu, scope: W, summary: "Evict a block; `release` says what the node did (forget: nothing, its own LRU frees it; erase_slot: llama.cpp slot erased)", response: evictResult });
describeRoute({ method: "get", path: "/v1/cubes/{id}/adapters", tag: gpu, scope: R, summary: "List the cube's LoRA adapters and where they are loaded", response: adapterList });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters", tag: gpu, scope: W, status: 201, summary: "Register a LoRA adapter (weights on the node or at an object-store URL)", body: registerAdapterBody, response: adapterAnswer });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters/train", tag: gpu, scope: W, status: 202, summary: "Start a LoRA training job from memory texts; the adapter is registered when it succeeds", body: trainBody, response: jobAnswer });
describeRoute({ method: "get", path: "/v1/cubes/{id}/adapters/jobs/{jobId}", tag: gpu, scope: R, summary: "A training job's state", response: jobAnswer });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters/{name}/load", tag: gpu, scope: W, summary: "Load an adapter on a node (least recently used unloaded past the node's cap; body optional)", body: placeAdapterBody, response: adapterLoaded });
describeRoute({ method: "post", path: "/v1/cubes/{id}/adapters/{name}/unload", tag: gpu, scope: W, summary: "Unload an adapter from one node or all (body optional)", body: placeAdapterBody, response: adapterUnloaded });

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
    const body = await jsonBody(c, registerBlockBody);
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.registerBlock(scope, body), 201);
  });

  app.post("/:id/activation/:blockId/refresh", async (c) => {
    // The body is optional here: a bare POST refreshes without changing pinning.
    const body = c.req.header("content-type") ? await jsonBody(c, refreshBlockBody) : {};
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
    const body = await jsonBody(c, registerAdapterBody);
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.registerAdapter(scope, body), 201);
  });

  app.post("/:id/adapters/train", async (c) => {
    const body = await jsonBody(c, trainBody);
    const { client, scope } = await prepare(c, "write");
    return c.json(await client.train(scope, body), 202);
  });

  app.get("/:id/adapters/jobs/:jobId", async (c) => {
    const { client, scope } = await prepare(c, "read");
    return c.json(await client.trainingJob(scope, c.req.param("jobId")));
  });

  for (const action of ["load", "unload"] as const) {
    app.post(`/:id/adapters/:name/${action}`, async (c) => {
      const parsed = adapterName.safeParse(c.req.param("name"));
      if (!parsed.success) throw new ApiError("invalid_request", "adapter name is invalid");
      const body = c.req.header("content-type") ? await jsonBody(c, placeAdapterBody) : {};
      const { client, scope } = await prepare(c, "write");
      return c.json(action === "load" ? await client.loadAdapter(scope, parsed.data, body.node) : await client.unloadAdapter(scope, parsed.data, body.node));
    });
  }

  return app;
}
