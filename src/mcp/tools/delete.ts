// delete_memory: erase a memory's text and vector (a tombstone remains), as DELETE /v1/memories/{id}.
import { z } from "zod";
import { deleteMemoryFor } from "../../services/memories";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";
import { idempotencyArgument, toolIdempotency } from "../idempotency";
import { memoryTarget } from "./target";

export function registerDelete(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "delete_memory",
    title: "Delete a memory",
    description: "Delete a memory: its text and vector are erased and a tombstone remains.",
    scope: "memories:write",
    input: memoryTarget.extend(idempotencyArgument),
    output: z.object({ id: z.string(), deleted: z.boolean() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async run({ deps, who }, { id, idempotency_key, ...hint }) {
      return deleteMemoryFor(deps, who, id, hint, await toolIdempotency("delete_memory", idempotency_key, { id }));
    },
  });
}
