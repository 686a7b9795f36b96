// /v1/jobs/:id: the state of an extraction job, read from the cube that runs it.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { jobSchema } from "./schemas";
import { ApiError } from "../errors";
import { unwrap } from "../services/cubes";
import { jobOut } from "../services/jobs";

export const jobs = routes();

const getJob = defineRoute({
  method: "get",
  path: "/{id}",
  tags: ["jobs"],
  scope: "memories:read",
  summary: "State of a job: queued, running, succeeded or failed (with its error)",
  request: { params: z.object({ id: z.string().min(1).max(200) }) },
  responses: { 200: jsonAnswer(jobSchema) },
});
jobs.openapi(getJob, async (c) => {
  const { id } = c.req.valid("param");
  const tenant = c.get("auth").tenant_id;
  const cubeId = await c.get("deps").jobs.locate(tenant, id);
  if (!cubeId) throw new ApiError("not_found", `job ${id} not found`);
  const identity = { tenant_id: tenant, cube_id: cubeId };
  return c.json(jobOut(identity, unwrap(await c.get("deps").cube(identity).getJob(identity, id))), 200);
});
