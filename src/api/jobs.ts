// /v1/jobs: the tenant's recent jobs, and /v1/jobs/:id: the state of an extraction job, read from the cube that runs it.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { jobSchema } from "./schemas";
import { encodeCursor, decodeCursor } from "./cursor";
import { JOB_LIST_SCAN, jobOut, listJobs, readJob } from "../services/jobs";

export const jobs = routes();

const listQuery = z.strictObject({
  cube_id: z.string().min(1).max(200).optional().describe("only this cube's jobs (it must be within the key's reach)"),
  state: z.enum(["queued", "running", "succeeded", "failed"]).optional(),
  kind: z.enum(["extract"]).optional().describe("the kind of work; extraction is the only kind so far"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
const cursorSchema = z.strictObject({ t: z.number().int(), id: z.string().min(1).max(200) });

const listRoute = defineRoute({
  method: "get",
  path: "/",
  tags: ["jobs"],
  scope: "memories:read",
  summary: `List the tenant's jobs newest first (in the cubes within the key's reach), filtered by cube, state and kind. States are read from the cubes: a request reads at most ${JOB_LIST_SCAN} jobs, so a filtered page may be short while next_cursor is set.`,
  request: { query: listQuery },
  responses: { 200: jsonAnswer(z.object({ jobs: z.array(jobSchema), next_cursor: z.string().nullable() })) },
});
jobs.openapi(listRoute, async (c) => {
  const { cursor, ...q } = c.req.valid("query");
  const page = await listJobs(c.get("deps"), c.get("auth"), { ...q, before: cursor === undefined ? null : decodeCursor(cursor, cursorSchema) });
  return c.json({ jobs: page.jobs.map((j) => jobOut(j.identity, j.job)), next_cursor: page.next_cursor ? encodeCursor({ ...page.next_cursor }) : null }, 200);
});

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
