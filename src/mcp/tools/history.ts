// memory_history: every version of a memory, oldest first, as GET /v1/memories/{id}/history.
import { z } from "zod";
import { memoryOut, memorySchema } from "../../api/schemas";
import { unwrap } from "../../services/cubes";
import { locate } from "../../services/memories";
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
    async run({ deps, tenant }, { id, ...hint }) {
      const identity = await locate(deps, tenant, id, hint);
      const versions = unwrap(await deps.cube(identity).history(identity, id));
      return { versions: versions.map((v) => ({ ...v, at: new Date(v.at).toISOString(), memory: memoryOut(v.memory) })) };
    },
  });
}
