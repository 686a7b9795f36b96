// One MCP tool's definition (schemas, scope, handler) and its registration: scope check, structured
// output, and every error answered as a tool error with the API's stable code, never a protocol crash.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { Scope } from "../api/app-env";
import { ApiError, isTransientObjectError } from "../errors";
import { ProviderError } from "../providers/errors";
import type { ToolDeps } from "./deps";

export interface ToolDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The scope the tool needs: the same as the REST route it mirrors. */
  scope: Scope;
  input: I;
  output: O;
  annotations?: ToolAnnotations;
  run(td: ToolDeps, args: z.output<I>): Promise<z.input<O>>;
}

/** Whether the key may use the scope (admin implies every scope of its tenant), as the REST routes decide. */
export function allows(scopes: readonly Scope[], scope: Scope): boolean {
  return scopes.includes(scope) || scopes.includes("admin");
}

/** An error as the API would answer it: known errors keep their code, anything else is a bare `internal`. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ProviderError) return new ApiError("upstream_unavailable", `the ${err.provider} model provider is unavailable`, { provider: err.provider, retryable: err.retryable });
  if (isTransientObjectError(err)) return new ApiError("upstream_unavailable", "the memory cube is busy or restarting; retry", { retry_after_s: 1 });
  const e = err instanceof Error ? err : new Error(String(err));
  console.error(JSON.stringify({ level: "error", where: "mcp", name: e.name, message: e.message, stack: e.stack }));
  return new ApiError("internal", "internal error");
}

/**
 * A tool error: `isError` with the stable code and message as text (`not_found: memory … not found`),
 * and the details when there are some. No structuredContent, which the client would check against
 * the tool's output schema.
 */
export function toolError(err: unknown): CallToolResult {
  const e = asApiError(err);
  const details = e.details === undefined ? "" : ` ${JSON.stringify(e.details)}`;
  return { isError: true, content: [{ type: "text", text: `${e.code}: ${e.message}${details}` }], _meta: { code: e.code } };
}

/** Registers a tool on a server built for one request and one caller. */
export function addTool<I extends z.ZodObject, O extends z.ZodObject>(server: McpServer, td: ToolDeps, tool: ToolDefinition<I, O>): void {
  // The SDK's callback type is a conditional one it cannot resolve for a generic schema: the schema
  // is handed over as a plain object schema, and the arguments, which the SDK parsed with it, get
  // their type back below.
  const inputSchema: z.ZodObject = tool.input;
  const config = { title: tool.title, description: tool.description, inputSchema, outputSchema: tool.output, ...(tool.annotations ? { annotations: tool.annotations } : {}) };
  server.registerTool(tool.name, config, async (args): Promise<CallToolResult> => {
    try {
      if (!allows(td.scopes, tool.scope)) throw new ApiError("forbidden", `this key lacks the ${tool.scope} scope`);
      const out = await tool.run(td, args as z.output<I>);
      return { structuredContent: out, content: [{ type: "text", text: JSON.stringify(out) }] };
    } catch (err) {
      return toolError(err);
    }
  });
}
