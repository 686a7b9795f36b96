// list_memories: a cube's memories newest first, or the tenant's, cursor paged, as GET /v1/memories.
import { z } from "zod";
import { listQuery, listResponse, memoryOut } from "../../api/schemas";
import { LIMITS } from "../../memory/cube-contract";
import { listMemories } from "../../services/memories";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";

// The query string's comma lists and numeric strings become plain JSON here.
const input = listQuery.extend({
  tags: z.array(z.string().min(1).max(LIMITS.tagChars)).max(LIMITS.tags).optional().describe("every tag must be present"),
  limit: z.number().int().min(1).max(LIMITS.listLimit).default(50),
});

export function registerList(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "list_memories",
    title: "List memories",
    description: "List the memories of a user (user_id) or a cube (cube_id) newest first, or the tenant's when neither is given; pass next_cursor back as cursor for the next page.",
    scope: "memories:read",
    input,
    output: listResponse,
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, args) {
      const page = await listMemories(deps, who, args);
      return { memories: page.memories.map(memoryOut), next_cursor: page.next_cursor };
    },
  });
}
