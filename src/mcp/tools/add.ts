// add_memories: texts stored directly (infer false) or messages extracted by a job, as POST /v1/memories.
import { z } from "zod";
import { addMemoriesBody, jobSchema, memoryOut, memorySchema } from "../../api/schemas";
import { addMemories } from "../../services/add-memories";
import { jobOut } from "../../services/jobs";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";
import { idempotencyArgument, toolIdempotency } from "../idempotency";

export function registerAdd(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "add_memories",
    title: "Add memories",
    description: "Add memories for a user (user_id) or a cube (cube_id): give messages to have memories extracted (a job; sync waits for it), or text with infer false to store it as one memory as is.",
    scope: "memories:write",
    input: addMemoriesBody.safeExtend(idempotencyArgument),
    output: z.object({
      cube_id: z.string(),
      memories: z.array(memorySchema).optional().describe("the memories stored (infer false, or sync extraction)"),
      job: jobSchema.optional().describe("the extraction job (infer true)"),
      replayed: z.number().optional().describe("messages recognized as replays and not stored again"),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run({ deps, who }, { idempotency_key, ...args }) {
      const { cube_id, outcome } = await addMemories(deps, who, args, await toolIdempotency("add_memories", idempotency_key, args));
      const identity = { tenant_id: who.tenant_id, cube_id };
      if (outcome.kind === "stored") return { cube_id, memories: outcome.memories.map(memoryOut) };
      const job = { job: jobOut(identity, outcome.job), replayed: outcome.replayed };
      if (outcome.kind === "job" && outcome.memories) return { cube_id, ...job, memories: outcome.memories.map(memoryOut) };
      return { cube_id, ...job };
    },
  });
}
