// Bridge routes for activation memory blocks (generation is in generate.ts, on plain node:http).
import { Hono } from "hono";
import { z } from "zod";
import type { BridgeDeps } from "../context.js";
import { evictBlock, listBlocks, refreshBlock, registerBlock } from "../services/activation.js";
import { jsonBody, nodeId, parse, scope } from "./validate.js";

const registerSchema = scope
  .extend({
    memory_ids: z.array(z.string().min(1).max(200)).max(1000).default([]),
    text: z.string().min(1).max(2_000_000).optional(),
    token_ids: z.array(z.number().int().min(0)).min(1).max(500_000).optional(),
    model: z.string().min(1).max(200).optional(),
    node: nodeId.optional(),
    pinned: z.boolean().optional(),
  })
  .refine((b) => (b.text === undefined) !== (b.token_ids === undefined), { message: "give exactly one of text or token_ids" });

const refreshSchema = scope.extend({ pinned: z.boolean().optional() });

export function activationRoutes(deps: BridgeDeps): Hono {
  const app = new Hono();

  app.get("/v1/activation", (c) => {
    const q = parse(scope, c.req.query());
    return c.json({ blocks: listBlocks(deps, q.tenant_id, q.cube_id) });
  });

  app.post("/v1/activation", async (c) => {
    const b = await jsonBody(c, registerSchema);
    return c.json(await registerBlock(deps, b), 201);
  });

  app.post("/v1/activation/:id/refresh", async (c) => {
    const b = await jsonBody(c, refreshSchema);
    return c.json(await refreshBlock(deps, b.tenant_id, b.cube_id, c.req.param("id"), b.pinned));
  });

  app.delete("/v1/activation/:id", async (c) => {
    const q = parse(scope, c.req.query());
    return c.json(await evictBlock(deps, q.tenant_id, q.cube_id, c.req.param("id")));
  });

  return app;
}
