// get_context: search, then pack the best memories into a token-budgeted, prompt-ready block, as POST /v1/context.
import { z } from "zod";
import { contextBody, coverageSchema, packedContextSchema } from "../../api/schemas";
import { ApiError } from "../../errors";
import { runSearch } from "../../services/search";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "../deps";
import { addTool } from "../tool";

export function registerContext(server: McpServer, td: ToolDeps): void {
  addTool(server, td, {
    name: "get_context",
    title: "Get context",
    description: "Search, then pack the best memories into a prompt-ready block within budget_tokens; memory text is escaped and fenced as untrusted data.",
    scope: "memories:read",
    input: contextBody,
    output: packedContextSchema.extend({
      considered: z.number().int().describe("memories the search returned before packing"),
      coverage: coverageSchema.optional(),
    }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run({ deps, who }, args) {
      const out = await runSearch(deps, who, args, true);
      if (!out.packed) throw new ApiError("internal", "the search packed no context");
      return { ...out.packed, considered: out.results.length, ...(out.coverage ? { coverage: out.coverage } : {}) };
    },
  });
}
