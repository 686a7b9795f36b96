// get_memory: one memory by id, as GET /v1/memories/{id}.
import { memoryOut, memorySchema } from "../../api/schemas";
import { readMemory } from "../../services/memories";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";
import { memoryTarget } from "./target";

export function registerGet(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "get_memory",
    title: "Get a memory",
    description: "One memory by id, its current version.",
    scope: "memories:read",
    input: memoryTarget,
    output: memorySchema,
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, { id, ...hint }) {
      return memoryOut(await readMemory(deps, who, id, hint));
    },
  });
}
