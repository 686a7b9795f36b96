// /mcp: the MCP server over Streamable HTTP, stateless (a fresh server and transport per request),
// behind the same API-key authentication as /v1; the key's tenant and scopes bind every tool.
import { Hono } from "hono";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AppEnv } from "../api/app-env";
import { authenticate } from "../api/middleware";
import { mcpServer } from "./server";

/** The largest JSON-RPC body read, as the /v1 routes' limit. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export const mcp = new Hono<AppEnv>();

mcp.use("*", authenticate);

mcp.post("/", async (c) => {
  const auth = c.get("auth");
  const server = mcpServer({ deps: c.get("deps"), who: auth, scopes: auth.scopes });
  // Stateless: no session id; JSON answers rather than an SSE stream, since no request outlives its answer.
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: MAX_BODY_BYTES });
  await server.connect(transport);
  try {
    return await transport.handleRequest(c.req.raw);
  } finally {
    await server.close();
  }
});

// Without sessions there is no stream to open (GET) and none to end (DELETE): 405, as the spec says.
mcp.on(["GET", "DELETE"], "/", (c) => {
  c.header("Allow", "POST");
  return c.json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this server is stateless; POST JSON-RPC messages" }, id: null }, 405);
});
