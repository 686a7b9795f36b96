// The arguments that name one memory: its id, and optionally the cube or user it lives in (as the REST query).
import { z } from "zod";
import { locateQuery } from "../../api/schemas";

export const memoryTarget = locateQuery.extend({
  id: z.string().min(1).max(200).describe("the memory's id (mem_…)"),
});
