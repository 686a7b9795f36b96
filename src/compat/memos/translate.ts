// MemOS requests as the bodies of our own flows, checked by the same schemas as the REST API.
import type { z } from "zod";
import { addMemoriesBody, searchBody, type AddMemoriesBody, type SearchBody } from "../../api/schemas";
import { ApiError } from "../../errors";
import { LIMITS } from "../../memory/cube-contract";
import type { addMessageBody, memosMessage } from "./schemas";

/** Parses with one of our schemas; its issues answer 400 as the REST API's would. */
function checked<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ApiError("invalid_request", "request does not translate to a valid request", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
}

/** The text of a message: a string, or its text parts joined (images and files are not stored). */
function textOf(m: z.output<typeof memosMessage>, i: number): string {
  const text = typeof m.content === "string" ? m.content : m.content.flatMap((p) => (p.type === "text" && p.text ? [p.text] : [])).join("\n");
  if (text.trim() === "") throw new ApiError("invalid_request", `messages.${i} has no text content (only text is stored)`);
  return text;
}

/** chat_time as an ISO time when it reads as a date; otherwise (e.g. a phrase) it is left out. */
function timeOf(chatTime: string | undefined): string | undefined {
  if (chatTime === undefined) return undefined;
  const ms = Date.parse(chatTime);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** async_mode (bool or "async"/"sync") or the SDK's asyncMode; MemOS defaults to async. */
function isAsync(b: z.output<typeof addMessageBody>): boolean {
  const v = b.async_mode ?? b.asyncMode;
  return v === undefined ? true : v === true || v === "async";
}

export function addBody(b: z.output<typeof addMessageBody>): AddMemoriesBody {
  return checked(addMemoriesBody, {
    user_id: b.user_id,
    ...(b.conversation_id !== undefined ? { session_id: b.conversation_id } : {}),
    ...(b.agent_id !== undefined ? { agent_id: b.agent_id } : {}),
    messages: b.messages.map((m, i) => {
      const timestamp = timeOf(m.chat_time);
      return { role: m.role, content: textOf(m, i), ...(timestamp ? { timestamp } : {}) };
    }),
    infer: true,
    sync: !isAsync(b),
    tags: b.tags ?? [],
    metadata: { ...b.info, ...(b.app_id !== undefined ? { app_id: b.app_id } : {}), ...(b.source !== undefined ? { source: b.source } : {}) },
  });
}

/**
 * The agent_id a MemOS filter names: `{ "agent_id": "a" }`, alone or in an `and` list. Any other
 * condition is refused rather than ignored, so that a filter never silently widens an answer.
 */
export function agentOf(filter: Record<string, unknown> | undefined): string | undefined {
  if (filter === undefined || Object.keys(filter).length === 0) return undefined;
  const conds = Object.keys(filter).length === 1 && Array.isArray(filter.and) ? (filter.and as unknown[]) : [filter];
  let agent: string | undefined;
  for (const cond of conds) {
    const entries = typeof cond === "object" && cond !== null ? Object.entries(cond) : [];
    const [k, v] = entries[0] ?? [];
    if (entries.length !== 1 || k !== "agent_id" || typeof v !== "string" || (agent !== undefined && agent !== v)) {
      throw new ApiError("invalid_request", "filter: only an agent_id equality is supported", { filter });
    }
    agent = v;
  }
  return agent;
}

export function searchOf(input: { query: string; user_id: string; top_k: number; agent_id?: string | undefined; threshold?: number | undefined; record_access?: boolean }): SearchBody {
  return checked(searchBody, {
    query: input.query.slice(0, LIMITS.queryChars),
    user_id: input.user_id,
    top_k: input.top_k,
    ...(input.agent_id !== undefined ? { agent_id: input.agent_id } : {}),
    ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
    ...(input.record_access === false ? { record_access: false } : {}),
  });
}
