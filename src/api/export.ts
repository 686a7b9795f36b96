// GET /v1/export (NDJSON of a scope, watermarked) and POST /v1/watermark/verify (who a watermark names).
import { z } from "zod";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { apiKeys } from "../db/schema";
import { ApiError } from "../errors";
import { startExport } from "../services/export";
import { verifyWatermarks } from "../services/watermarks";

export const exportRoutes = routes();

const exportQuery = z.strictObject({ user_id: scopeIdSchema.optional(), cube_id: cubeIdSchema.optional(), agent_id: scopeIdSchema.optional() });

/** Whether the key may see personal data in the clear (pii:read, or admin). */
const mayReveal = (c: Context<AppEnv>) => c.get("auth").scopes.some((s) => s === "pii:read" || s === "admin");

const exportRoute = defineRoute({
  method: "get",
  path: "/export",
  tags: ["export"],
  scope: "export",
  summary: "Stream a user's or cube's memories with every version as NDJSON: a header and a trailer line carry the watermark; desensitized unless the key has pii:read; audited",
  request: { query: exportQuery },
  responses: { 200: { description: "NDJSON lines: {type: export}, {type: memory} per memory, {type: skill} per skill of the scope, {type: end}", content: { "application/x-ndjson": { schema: z.string() } } } },
});
exportRoutes.openapi(exportRoute, async (c) => {
  const q = c.req.valid("query");
  if (q.user_id === undefined && q.cube_id === undefined) throw new ApiError("invalid_request", "give user_id or cube_id");
  const lines = await startExport(c.get("deps"), c.env.DB, c.get("auth"), q, mayReveal(c));
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      } catch (err) {
        // Headers are gone: the stream ends without its trailer, which tells a reader it is incomplete.
        console.error(JSON.stringify({ level: "error", request_id: c.get("requestId"), message: "export failed mid-stream", error: String(err) }));
        controller.error(err);
      }
    },
  });
  const res = new Response(body, { status: 200, headers: { "content-type": "application/x-ndjson; charset=utf-8", "x-request-id": c.get("requestId") } });
  // @hono/zod-openapi reads "application/x-ndjson" as a JSON-like type it cannot produce (never);
  // a plain streamed Response is what the route answers.
  return res as never;
});

const verifyBody = z.strictObject({
  text: z.string().min(1).max(1_000_000).describe("a context block, an export or any text that may carry watermarks; whitespace changes do not matter"),
  request_id: z.string().min(1).max(200).optional().describe("a candidate request id to check against each watermark"),
});
const verifyResponse = z.object({
  watermarks: z.array(
    z.object({
      issued_at: z.string(),
      tenant: z.enum(["yours", "another"]).describe("a watermark of another tenant names nothing more"),
      key_id: z.string().nullable().describe("the key it was issued to (one of your tenant's keys)"),
      request_digest: z.string().nullable().describe("first 8 bytes of SHA-256 of the request id, hex"),
      request_matches: z.boolean().optional(),
    }),
  ),
  unverified: z.number().int().describe("tokens shaped like a watermark whose signature does not verify (forged or damaged)"),
});

const verifyRoute = defineRoute({
  method: "post",
  path: "/watermark/verify",
  tags: ["export"],
  scope: "memories:read",
  summary: "Read the watermarks in a text back: when, which of your keys, which request",
  request: { body: jsonContent(verifyBody) },
  responses: { 200: jsonAnswer(verifyResponse) },
});
exportRoutes.openapi(verifyRoute, async (c) => {
  const b = c.req.valid("json");
  const who = c.get("auth");
  const keyIds = async () => (await drizzle(c.env.DB).select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.tenantId, who.tenant_id)).all()).map((r) => r.id);
  return c.json(await verifyWatermarks(c.get("deps").watermarks, keyIds, who, b.text, b.request_id), 200);
});
