// Bridge routes for activation memory blocks (generation is in generate.ts, on plain node:http).
import { cubeScope, refreshBlockRequest, registerBlockRequest } from "@memos-edge/bridge-protocol";
import { Hono } from "hono";
import type { BridgeDeps } from "../context.js";
import { evictBlock, listBlocks, refreshBlock, registerBlock } from "../services/activation.js";
import { jsonBody, parse } from "./validate.js";

export function activationRoutes(deps: BridgeDeps): Hono {
  const app = new Hono();

  app.get("/v1/activation", (c) => {
    const q = parse(cubeScope, c.req.query());
    return c.json({ blocks: listBlocks(deps, q.tenant_id, q.cube_id) });
  });

  app.post("/v1/activation", async (c) => {
    const b = await jsonBody(c, registerBlockRequest);
    return c.json(await registerBlock(deps, b), 201);
  });

  app.post("/v1/activation/:id/refresh", async (c) => {
    const b = await jsonBody(c, refreshBlockRequest);
    return c.json(await refreshBlock(deps, b.tenant_id, b.cube_id, c.req.param("id"), { pinned: b.pinned, heat: b.heat, half_life_ms: b.half_life_ms }));
  });

  app.delete("/v1/activation/:id", async (c) => {
    const q = parse(cubeScope, c.req.query());
    return c.json(await evictBlock(deps, q.tenant_id, q.cube_id, c.req.param("id")));
  });

  return app;
}
