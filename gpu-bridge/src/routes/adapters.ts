// Bridge routes for parameter memory: adapters, their loading, and training jobs.
import { adapterName, completeJobRequest, cubeScope, placeAdapterRequest, registerAdapterRequest, trainRequest } from "@memos-edge/bridge-protocol";
import { Hono } from "hono";
import type { BridgeDeps } from "../context.js";
import { deleteAdapter, listAdapters, loadAdapter, registerAdapter, unloadAdapter } from "../services/adapters.js";
import { completeJob, jobView, ownJob, startTraining } from "../services/training.js";
import { jsonBody, parse } from "./validate.js";

export function adapterRoutes(deps: BridgeDeps): Hono {
  const app = new Hono();

  app.get("/v1/adapters", (c) => {
    const q = parse(cubeScope, c.req.query());
    return c.json({ adapters: listAdapters(deps, q.tenant_id, q.cube_id) });
  });

  app.post("/v1/adapters", async (c) => {
    const b = await jsonBody(c, registerAdapterRequest);
    return c.json({ adapter: registerAdapter(deps, b) }, 201);
  });

  app.post("/v1/adapters/:name/load", async (c) => {
    const b = await jsonBody(c, placeAdapterRequest);
    return c.json(await loadAdapter(deps, b.tenant_id, b.cube_id, parse(adapterName, c.req.param("name")), b.node));
  });

  app.post("/v1/adapters/:name/unload", async (c) => {
    const b = await jsonBody(c, placeAdapterRequest);
    return c.json(await unloadAdapter(deps, b.tenant_id, b.cube_id, parse(adapterName, c.req.param("name")), b.node));
  });

  app.delete("/v1/adapters/:name", async (c) => {
    const q = parse(cubeScope, c.req.query());
    return c.json(await deleteAdapter(deps, q.tenant_id, q.cube_id, parse(adapterName, c.req.param("name"))));
  });

  app.post("/v1/training-jobs", async (c) => {
    const b = await jsonBody(c, trainRequest);
    return c.json({ job: jobView(deps, startTraining(deps, b)) }, 202);
  });

  app.get("/v1/training-jobs", (c) => {
    const q = parse(cubeScope, c.req.query());
    return c.json({ jobs: deps.jobs.listByCube(q.tenant_id, q.cube_id).map((j) => jobView(deps, j)) });
  });

  app.get("/v1/training-jobs/:id", (c) => {
    const q = parse(cubeScope, c.req.query());
    return c.json({ job: jobView(deps, ownJob(deps, q.tenant_id, q.cube_id, c.req.param("id"))) });
  });

  // Called by an HTTP trainer when it finishes; signed with the bridge secret like any request.
  app.post("/v1/training-jobs/:id/complete", async (c) => {
    const b = await jsonBody(c, completeJobRequest);
    return c.json({ job: jobView(deps, completeJob(deps, c.req.param("id"), b)) });
  });

  return app;
}
