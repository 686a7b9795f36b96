// The MemOS Cloud request bodies this API accepts (openmem v1); fields MemOS clients send as null count as absent.
import { z } from "zod";
import { LIMITS, scopeIdSchema } from "../../memory/cube-contract";

const opt = <S extends z.ZodType>(s: S) => s.nullish().transform((v) => v ?? undefined);
const limit = (fallback: number) => z.number().int().min(1).max(25).nullish().transform((v) => v ?? fallback);
const idList = z.array(z.string().min(1).max(200));

/** A part of a multi-modal message: only text parts can be stored. */
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

export const memosMessage = z.looseObject({
  role: z.enum(["user", "assistant", "system", "tool"]),
  content: z.union([z.string(), z.array(contentPart)]),
  chat_time: opt(z.string().max(100)),
});

export const addMessageBody = z.looseObject({
  user_id: scopeIdSchema,
  conversation_id: opt(scopeIdSchema),
  messages: z.array(memosMessage).min(1).max(LIMITS.messagesPerAdd),
  agent_id: opt(scopeIdSchema),
  app_id: opt(z.string().min(1).max(200)),
  source: opt(z.string().max(200)),
  tags: opt(z.array(z.string())),
  info: opt(z.record(z.string(), z.unknown())),
  async_mode: opt(z.union([z.boolean(), z.enum(["async", "sync"])])),
  /** The Python SDK's spelling. */
  asyncMode: opt(z.boolean()),
  allow_public: opt(z.boolean()),
  allow_knowledgebase_ids: opt(idList),
});

/** MemOS filters: only an agent_id equality, alone or inside `and`, is translated. */
const filter = z.record(z.string(), z.unknown());

export const searchMemoryBody = z.looseObject({
  query: z.string().min(1).max(LIMITS.queryChars),
  user_id: scopeIdSchema,
  conversation_id: opt(scopeIdSchema),
  memory_limit_number: limit(6),
  include_preference: opt(z.boolean()),
  preference_limit_number: limit(6),
  include_tool_memory: opt(z.boolean()),
  tool_memory_limit_number: opt(z.number().int().min(0).max(25)),
  filter: opt(filter),
  knowledgebase_ids: opt(z.union([idList, z.literal("all")])),
  relativity: opt(z.number().min(0).max(1)),
  source: opt(z.string().max(200)),
});

export const getMemoryBody = z.looseObject({
  user_id: scopeIdSchema,
  page: z.number().int().min(1).max(10_000).nullish().transform((v) => v ?? 1),
  size: z.number().int().min(1).max(50).nullish().transform((v) => v ?? 10),
  filter: opt(filter),
  include_preference: opt(z.boolean()),
  include_tool_memory: opt(z.boolean()),
});

export const deleteMemoryBody = z.looseObject({
  memory_ids: idList.min(1).max(100),
  user_id: opt(scopeIdSchema),
});

export const addFeedbackBody = z.looseObject({
  user_id: scopeIdSchema,
  conversation_id: opt(scopeIdSchema),
  feedback_content: z.string().min(1).max(LIMITS.textChars),
  agent_id: opt(scopeIdSchema),
  app_id: opt(z.string().min(1).max(200)),
  feedback_time: opt(z.string().max(100)),
  allow_public: opt(z.boolean()),
  allow_knowledgebase_ids: opt(idList),
});

export const getStatusBody = z.looseObject({ task_id: z.string().min(1).max(200) });
