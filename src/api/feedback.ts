// POST /v1/feedback: a natural-language correction of memories, applied through the dedup judge.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdempotency } from "./idempotency";
import { memoryOut, memorySchema } from "./schemas";
import { cubeIdSchema, scopeIdSchema, textSchema } from "../memory/cube-contract";
import { applyCorrection } from "../services/feedback";

export const feedback = routes();

const feedbackBody = z
  .strictObject({
    memory_id: z.string().min(1).max(200).optional(),
    memory_ids: z.array(z.string().min(1).max(200)).min(1).max(20).optional().describe("the ids a search returned; the judge picks the one the correction is about"),
    correction: textSchema(),
    author: z.string().min(1).max(128).optional().describe("who wrote the correction, so that I and my resolve to them"),
    user_id: scopeIdSchema.optional(),
    cube_id: cubeIdSchema.optional(),
  })
  .refine((b) => (b.memory_id === undefined) !== (b.memory_ids === undefined), { message: "give exactly one of memory_id or memory_ids" });

const feedbackResponse = z.object({
  decision: z.object({ action: z.enum(["ADD", "UPDATE", "SUPERSEDE", "DELETE", "NOOP"]), target_id: z.string().nullable(), reason: z.string(), judge: z.string() }),
  memories: z.array(memorySchema),
});

const correct = defineRoute({
  method: "post",
  path: "/",
  tags: ["memories"],
  scope: "memories:write",
  summary: "Correct memories in natural language; the judge decides update, supersede, retract or add",
  request: { body: jsonContent(feedbackBody) },
  responses: { 200: jsonAnswer(feedbackResponse) },
});
feedback.openapi(correct, async (c) => {
  const body = c.req.valid("json");
  const out = await applyCorrection(c.get("deps"), c.get("auth"), body, await cubeIdempotency(c, body));
  const d = out.decision;
  return c.json({ decision: { action: d.action, target_id: d.action === "ADD" ? null : d.target_id, reason: d.reason, judge: out.judge }, memories: out.memories.map(memoryOut) }, 200);
});
