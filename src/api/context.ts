// POST /v1/context: search, then pack the best memories into a prompt-ready block within a token
// budget, fenced and escaped as untrusted data, with the tokens used and what was cut.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app-env";
import { describeRoute } from "./openapi-registry";
import { jsonBody } from "./validate";
import { requireScope } from "./middleware";
import { contextBody, coverageSchema, packedContextSchema } from "./schemas";
import { runSearch, serverTiming } from "../services/search";

export const contextRoute = new Hono<AppEnv>();

const contextResponse = packedContextSchema.extend({
  considered: z.number().int().describe("memories the search returned before packing"),
  coverage: coverageSchema.optional(),
  timings_ms: z.record(z.string(), z.number()),
});

describeRoute({
  method: "post",
  path: "/v1/context",
  tag: "search",
  scope: "memories:read",
  summary: "Search, then pack the best memories into a token-budgeted, prompt-ready context block",
  body: contextBody,
  response: contextResponse,
});
contextRoute.post("/", async (c) => {
  requireScope(c, "memories:read");
  const body = await jsonBody(c, contextBody);
  const out = await runSearch(c.env, c.get("auth").tenant_id, body, true);
  c.header("Server-Timing", serverTiming(out.timings));
  const packed = out.packed as NonNullable<typeof out.packed>;
  return c.json({ ...packed, considered: out.results.length, ...(out.coverage ? { coverage: out.coverage } : {}), timings_ms: out.timings });
});
