// memory_history: every version of a memory, oldest first, as GET /v1/memories/{id}/history.
import { z } from "zod";
import { memoryOut, memorySchema } from "../../api/schemas";
import { memoryHistory } from "../../services/memories";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";
import { memoryTarget } from "./target";

export function registerHistory(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "memory_history",
    title: "History of a memory",
    description: "Every version of a memory, oldest first, with the reason of each change.",
    scope: "memories:read",
    input: memoryTarget,
    output: z.object({ versions: z.array(z.object({ version: z.number(), reason: z.string(), source: z.string().nullable(), at: z.string(), memory: memorySchema })) }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, { id, ...hint }) {
      const versions = await memoryHistory(deps, who, id, hint);
      return { versions: versions.map((v) => ({ ...v, at: new Date(v.at).toISOString(), memory: memoryOut(v.memory) })) };
    },
  });
}
