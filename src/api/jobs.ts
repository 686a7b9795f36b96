// /v1/jobs/:id: the state of an extraction job, read from the cube that runs it.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { jobSchema } from "./schemas";
import { jobOut, readJob } from "../services/jobs";

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
  const { identity, job } = await readJob(c.get("deps"), c.get("auth"), id);
  return c.json(jobOut(identity, job), 200);
});
