// delete_memories: erase every memory of a scope (a user, narrowed by agent or session, or a cube), as DELETE /v1/memories.
import { z } from "zod";
import { deleteScopeQuery } from "../../api/schemas";
import { deleteScopeFor } from "../../services/memories";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";
import { idempotencyArgument, toolIdempotency } from "../idempotency";

export function registerDeleteScope(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "delete_memories",
    title: "Delete the memories of a scope",
    description:
      "Delete every memory of a user (user_id, optionally only those of agent_id and/or session_id) or of a cube (cube_id): their text and vectors are erased and tombstones remain. Answers how many were deleted.",
    scope: "memories:write",
    input: deleteScopeQuery.safeExtend(idempotencyArgument),
    output: z.object({ deleted: z.number().int().describe("memories deleted by this call (a retry under the same idempotency_key answers the first count)") }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async run({ deps, who }, { idempotency_key, ...scope }) {
      return deleteScopeFor(deps, who, scope, await toolIdempotency("delete_memories", idempotency_key, scope));
    },
  });
}
