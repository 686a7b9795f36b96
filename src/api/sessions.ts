// Session routes: GET /v1/sessions/:id/working-memory, the recent turns and the summary of older ones.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { DEFAULT_WORKING_MEMORY_TOKENS, type WorkingMemory } from "../memory/working-memory";
import { MAX_WORKING_MEMORY_TOKENS } from "../../durable-objects/cube/scheduler/args";
import { readWorkingMemory } from "../services/working-memory";

/** Mounted at /v1/sessions. */
export const sessions = routes();

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const workingMemorySchema = z.object({
  session_id: z.string(),
  turns: z
    .array(z.object({ id: z.string(), role: z.string(), name: z.string().nullable(), content: z.string(), timestamp: z.string() }))
    .describe("the most recent turns within the token bound, oldest first"),
  summary: z.array(z.string()).describe("one line per older turn that fell out of the bound (its extracted memories, else its first sentence), oldest first"),
  evicted: z.number().int().describe("turns that fell out of the bound"),
  summary_dropped: z.number().int().describe("summary lines left out because the summary is over its share of the budget (the oldest go first)"),
  tokens: z.object({ turns: z.number().int(), summary: z.number().int() }),
  budget: z.number().int(),
  last_turn_at: z.string().nullable(),
});

export function workingMemoryOut(wm: WorkingMemory): z.infer<typeof workingMemorySchema> {
  return { ...wm, turns: wm.turns.map((t) => ({ id: t.id, role: t.role, name: t.name, content: t.content, timestamp: new Date(t.timestamp).toISOString() })), last_turn_at: iso(wm.last_turn_at) };
}

const getWorkingMemory = defineRoute({
  method: "get",
  path: "/{id}/working-memory",
  tags: ["sessions"],
  scope: "memories:read",
  summary: "A session's working memory: its recent turns within a token bound and a rolling summary of the turns that fell out of it",
  request: {
    params: z.object({ id: scopeIdSchema }),
    query: z.strictObject({
      user_id: scopeIdSchema.optional(),
      cube_id: cubeIdSchema.optional(),
      budget_tokens: z.coerce.number().int().min(1).max(MAX_WORKING_MEMORY_TOKENS).default(DEFAULT_WORKING_MEMORY_TOKENS).describe("token bound of turns and summary together (a quarter for the summary)"),
    }),
  },
  responses: { 200: jsonAnswer(workingMemorySchema) },
});
sessions.openapi(getWorkingMemory, async (c) => {
  const q = c.req.valid("query");
  const wm = await readWorkingMemory(c.get("deps"), c.get("auth"), { session_id: c.req.valid("param").id, ...q });
  return c.json(workingMemoryOut(wm), 200);
});
