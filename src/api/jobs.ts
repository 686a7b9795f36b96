// /v1/jobs/:id: the state of an extraction job, read from the cube that runs it.
import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { describeRoute } from "./openapi-registry";
import { requireScope } from "./middleware";
import { jobSchema } from "./schemas";
import { ApiError } from "../errors";
import { cubeStub, unwrap } from "../services/cubes";
import { jobOut, locateJob } from "../services/jobs";

export const jobs = new Hono<AppEnv>();

describeRoute({ method: "get", path: "/v1/jobs/{id}", tag: "jobs", scope: "memories:read", summary: "State of a job: queued, running, succeeded or failed (with its error)", response: jobSchema });
jobs.get("/:id", async (c) => {
  requireScope(c, "memories:read");
  const id = c.req.param("id");
  const tenant = c.get("auth").tenant_id;
  const cubeId = await locateJob(c.env, tenant, id);
  if (!cubeId) throw new ApiError("not_found", `job ${id} not found`);
  const identity = { tenant_id: tenant, cube_id: cubeId };
  return c.json(jobOut(identity, unwrap(await cubeStub(c.env, identity).getJob(identity, id))));
});
