// Bridge routes for activation memory blocks and for generation with them.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { BridgeDeps } from "../context.js";
import { BridgeError, errorJson } from "../errors.js";
import { evictBlock, listBlocks, refreshBlock, registerBlock } from "../services/activation.js";
import { startGenerate } from "../services/generate.js";
import { adapterName, jsonBody, nodeId, parse, scope } from "./validate.js";

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

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string().max(1_000_000) });
const generateSchema = scope.extend({
  messages: z.array(message).min(1).max(500),
  block_ids: z.array(z.string().min(1).max(100)).max(32).default([]),
  adapter: adapterName.optional(),
  model: z.string().min(1).max(200).optional(),
  max_tokens: z.number().int().min(1).max(32_768).default(256),
  temperature: z.number().min(0).max(2).default(0.7),
  stream: z.boolean().default(true),
});

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

  app.post("/v1/generate", async (c) => {
    const req = await jsonBody(c, generateSchema);
    const t0 = performance.now();
    // Aborted when the client goes away mid-stream (onAbort below). Not tied to c.req.raw.signal:
    // touching it makes the Node adapter build a full Request for every call.
    const ctrl = new AbortController();
    const run = await startGenerate(deps, req, ctrl.signal);
    // The first event is awaited before answering, so a node that is down or refuses the
    // request gets a proper error status instead of a 200 stream that fails at once.
    const first = await run.events.next();
    const ttft = () => Math.round((performance.now() - t0) * 100) / 100;
    let ttftMs: number | null = !first.done && first.value.type === "delta" ? ttft() : null;

    if (!req.stream) {
      let text = "";
      let ev = first;
      while (!ev.done) {
        if (ev.value.type === "delta") text += ev.value.text;
        else return c.json({ ...run.start, text, ...run.summarize(ev.value, ttftMs) });
        ev = await run.events.next();
        if (ttftMs === null && !ev.done && ev.value.type === "delta") ttftMs = ttft();
      }
      throw new BridgeError("upstream_stream_failed", "node ended the answer without finishing it");
    }

    return streamSSE(c, async (sse) => {
      sse.onAbort(() => ctrl.abort());
      await sse.writeSSE({ event: "start", data: JSON.stringify(run.start) });
      try {
        let ev = first;
        while (!ev.done) {
          if (ev.value.type === "delta") {
            if (ttftMs === null) ttftMs = ttft();
            await sse.writeSSE({ event: "token", data: JSON.stringify({ text: ev.value.text }) });
          } else {
            await sse.writeSSE({ event: "done", data: JSON.stringify(run.summarize(ev.value, ttftMs)) });
            return;
          }
          ev = await run.events.next();
        }
        throw new BridgeError("upstream_stream_failed", "node ended the stream without finishing it");
      } catch (err) {
        const e = err instanceof BridgeError ? err : new BridgeError("upstream_stream_failed", "stream failed");
        await sse.writeSSE({ event: "error", data: JSON.stringify(errorJson(e).error) });
      } finally {
        await run.events.return(undefined);
      }
    });
  });

  return app;
}
