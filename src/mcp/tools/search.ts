// search_memories: every retrieval route of a cube (or of every cube of the tenant), as POST /v1/search.
import { z } from "zod";
import { coverageSchema, memoryOut, scoredMemorySchema, searchBody } from "../../api/schemas";
import { runSearch } from "../../services/search";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";

export function registerSearch(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "search_memories",
    title: "Search memories",
    description: "Search the memories of a user (user_id) or a cube (cube_id), or of every cube of the tenant when neither is given; best first, with each route's score.",
    scope: "memories:read",
    input: searchBody.omit({ format: true, budget_tokens: true, order: true }),
    output: z.object({ results: z.array(scoredMemorySchema), coverage: coverageSchema.optional() }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, args) {
      // Packing is get_context's; its options are irrelevant here and keep their REST defaults.
      const out = await runSearch(deps, who, { ...searchBody.pick({ budget_tokens: true, order: true }).parse({}), ...args }, false);
      return {
        results: out.results.map((r) => ({ memory: memoryOut(r.memory), score: r.score, score_breakdown: r.score_breakdown })),
        ...(out.coverage ? { coverage: out.coverage } : {}),
      };
    },
  });
}
