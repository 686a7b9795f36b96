// update_memory: edit a memory as a new version (optionally only at expected_version), as PATCH /v1/memories/{id}.
import { memoryOut, memorySchema, patchMemoryBody } from "../../api/schemas";
import { editMemoryFor } from "../../services/memories";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";
import { idempotencyArgument, toolIdempotency } from "../idempotency";
import { memoryTarget } from "./target";

const NOT_CHANGES = new Set(["id", "cube_id", "user_id", "expected_version", "idempotency_key"]);
const input = memoryTarget
  .extend(patchMemoryBody.shape)
  .extend(idempotencyArgument)
  .refine((b) => Object.keys(b).some((k) => !NOT_CHANGES.has(k)), { message: "nothing to change" });

export function registerUpdate(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "update_memory",
    title: "Update a memory",
    description: "Edit a memory's text, type, tags, metadata, importance or state (active or archived); writes a new version. With expected_version, only if the memory is still at that version.",
    scope: "memories:write",
    input,
    output: memorySchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run({ deps, who }, { id, cube_id, user_id, idempotency_key, ...edit }) {
      return memoryOut(await editMemoryFor(deps, who, id, { cube_id, user_id }, edit, await toolIdempotency("update_memory", idempotency_key, { id, ...edit })));
    },
  });
}
