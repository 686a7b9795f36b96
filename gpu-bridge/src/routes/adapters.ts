// Bridge routes for parameter memory: adapters, their loading, and training jobs.
import { Hono } from "hono";
import { z } from "zod";
import type { BridgeDeps } from "../context.js";
import { listAdapters, loadAdapter, registerAdapter, unloadAdapter } from "../services/adapters.js";
import { completeJob, jobView, ownJob, startTraining } from "../services/training.js";
import { adapterName, jsonBody, nodeId, parse, scope } from "./validate.js";

/** A path on the node, or an object-store / HTTP URL the inference server can fetch. */
const source = z
  .string()
  .min(1)
  .max(2000)
  .refine((s) => s.startsWith("/") || /^(s3|gs|https?|hf):\/\//.test(s) || /^[\w.-]+(\/[\w.-]+)*$/.test(s), {
    message: "an absolute path, a relative file name, or an s3://, gs://, http(s):// or hf:// URL",
  })
  .refine((s) => !s.split("/").includes(".."), { message: "must not contain .." });

const registerSchema = scope.extend({ name: adapterName, base_model: z.string().min(1).max(200), source });
const placeSchema = scope.extend({ node: nodeId.optional() });
const hyper = z.record(z.string().max(64), z.union([z.number(), z.string().max(200), z.boolean()]));
const trainSchema = scope.extend({
  adapter_name: adapterName,
  base_model: z.string().min(1).max(200),
  dataset: z.strictObject({ texts: z.array(z.string().min(1).max(100_000)).min(1).max(100_000) }),
  hyperparameters: hyper.default({}),
});
const completeSchema = z.strictObject({
  status: z.enum(["succeeded", "failed"]),
  adapter_path: source.optional(),
  error: z.string().max(2000).optional(),
});

export function adapterRoutes(deps: BridgeDeps): Hono {
  const app = new Hono();

  app.get("/v1/adapters", (c) => {
    const q = parse(scope, c.req.query());
    return c.json({ adapters: listAdapters(deps, q.tenant_id, q.cube_id) });
  });

  app.post("/v1/adapters", async (c) => {
    const b = await jsonBody(c, registerSchema);
    return c.json({ adapter: registerAdapter(deps, b) }, 201);
  });

  app.post("/v1/adapters/:name/load", async (c) => {
    const b = await jsonBody(c, placeSchema);
    return c.json(await loadAdapter(deps, b.tenant_id, b.cube_id, parse(adapterName, c.req.param("name")), b.node));
  });

  app.post("/v1/adapters/:name/unload", async (c) => {
    const b = await jsonBody(c, placeSchema);
    return c.json(await unloadAdapter(deps, b.tenant_id, b.cube_id, parse(adapterName, c.req.param("name")), b.node));
  });

  app.post("/v1/training-jobs", async (c) => {
    const b = await jsonBody(c, trainSchema);
    return c.json({ job: jobView(deps, startTraining(deps, b)) }, 202);
  });

  app.get("/v1/training-jobs", (c) => {
    const q = parse(scope, c.req.query());
    return c.json({ jobs: deps.jobs.listByCube(q.tenant_id, q.cube_id).map((j) => jobView(deps, j)) });
  });

  app.get("/v1/training-jobs/:id", (c) => {
    const q = parse(scope, c.req.query());
    return c.json({ job: jobView(deps, ownJob(deps, q.tenant_id, q.cube_id, c.req.param("id"))) });
  });

  // Called by an HTTP trainer when it finishes; signed with the bridge secret like any request.
  app.post("/v1/training-jobs/:id/complete", async (c) => {
    const b = await jsonBody(c, completeSchema);
    return c.json({ job: jobView(deps, completeJob(deps, c.req.param("id"), b)) });
  });

  return app;
}
