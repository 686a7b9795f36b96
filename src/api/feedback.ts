// POST /v1/feedback: a natural-language correction of memories, applied through the dedup judge.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app-env";
import { describeRoute } from "./openapi-registry";
import { jsonBody } from "./validate";
import { cubeIdempotency } from "./idempotency";
import { requireScope } from "./middleware";
import { memoryOut, memorySchema } from "./schemas";
import { ApiError } from "../errors";
import { cubeIdSchema, scopeIdSchema, textSchema } from "../memory/cube-contract";
import { cubeStub, resolveCube, unwrap } from "../services/cubes";
import { feedbackToCandidate } from "../memory/feedback";
import { decideByRules } from "../memory/dedup/judge-rules";
import { LlmJudge } from "../memory/dedup/judge-llm";
import { getLlm } from "../services/providers";
import { embedUpdate, prepareMemories } from "../services/prepare";
import { locateMemory } from "../services/memory-catalog";
import type { Memory } from "../memory/types";

export const feedback = new Hono<AppEnv>();

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

describeRoute({ method: "post", path: "/v1/feedback", tag: "memories", scope: "memories:write", summary: "Correct memories in natural language; the judge decides update, supersede, retract or add", body: feedbackBody, response: feedbackResponse });
feedback.post("/", async (c) => {
  requireScope(c, "memories:write");
  const body = await jsonBody(c, feedbackBody);
  const idempotency = await cubeIdempotency(c, body);
  const tenant = c.get("auth").tenant_id;
  const ids = body.memory_ids ?? [body.memory_id as string];
  const hinted = body.cube_id !== undefined || body.user_id !== undefined;
  const cubeId = hinted ? (await resolveCube(c.env, tenant, body)).cube_id : await locateMemory(c.env, tenant, ids[0] as string);
  if (!cubeId) throw new ApiError("not_found", `memory ${ids[0]} not found`);
  const identity = { tenant_id: tenant, cube_id: cubeId };
  const cube = cubeStub(c.env, identity);
  const targets: Memory[] = [];
  for (const id of ids) targets.push(unwrap(await cube.getMemory(identity, id)));
  const first = targets[0] as Memory;

  const { candidate } = feedbackToCandidate(first, body.correction, { now: Date.now(), author: body.author ?? null });
  const llm = getLlm(c.env);
  const decision = llm ? await new LlmJudge(llm).decide(candidate, targets) : decideByRules(candidate, targets);
  const versions = Object.fromEntries(targets.map((m) => [m.id, m.version]));
  const { items, embedder } = await prepareMemories(c.env, [
    { user_id: first.user_id, agent_id: first.agent_id, session_id: first.session_id, text: candidate.text, type: candidate.type, tags: first.tags, entities: candidate.entities, metadata: { feedback: body.correction }, importance: candidate.importance, event_time: candidate.event_time, source_message_ids: candidate.source_message_ids },
  ]);
  const update = await embedUpdate(c.env, decision, candidate.text);
  const result = unwrap(
    await cube.applyFeedback({ identity, item: items[0], decision: { decision, versions, ...(update ? { update } : {}) }, embedder, source: "feedback", judge: llm ? llm.id : "rules", idempotency }),
  );
  // The decision comes back from the cube: a retry with the same Idempotency-Key reports the one that was applied.
  const applied = result.decision;
  return c.json({
    decision: { action: applied.action, target_id: applied.action === "ADD" ? null : applied.target_id, reason: applied.reason, judge: result.judge },
    memories: result.memories.map(memoryOut),
  });
});
