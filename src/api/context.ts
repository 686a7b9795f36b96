// POST /v1/context: search, then pack the best memories into a prompt-ready block within a token
// budget, fenced and escaped as untrusted data, with the tokens used and what was cut.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { contextBody, coverageSchema, packedContextSchema } from "./schemas";
import { runSearch, serverTiming } from "../services/search";

export const contextRoute = routes();

const contextResponse = packedContextSchema.extend({
  considered: z.number().int().describe("memories the search returned before packing"),
  coverage: coverageSchema.optional(),
  timings_ms: z.record(z.string(), z.number()),
});

const contextRouteDef = defineRoute({
  method: "post",
  path: "/",
  tags: ["search"],
  scope: "memories:read",
  summary: "Search, then pack the best memories into a token-budgeted, prompt-ready context block",
  request: { body: jsonContent(contextBody) },
  responses: { 200: jsonAnswer(contextResponse) },
});
contextRoute.openapi(contextRouteDef, async (c) => {
  const body = c.req.valid("json");
  const out = await runSearch(c.get("deps"), c.get("auth"), body, true);
  c.header("Server-Timing", serverTiming(out.timings));
  const packed = out.packed as NonNullable<typeof out.packed>;
  return c.json({ ...packed, considered: out.results.length, ...(out.coverage ? { coverage: out.coverage } : {}), timings_ms: out.timings }, 200);
});
