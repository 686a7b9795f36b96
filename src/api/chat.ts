// POST /v1/chat: OpenAI chat-completions shaped, with memory: JSON or an SSE stream of chunks.
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdempotency, tenantIdempotency } from "./idempotency";
import { bodyText } from "./validate";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { prepareChat, type ChatAnswer } from "../services/chat";

export const chat = routes();

/** Characters of one message, and of all of them together. */
export const CHAT_LIMITS = { messageChars: 32_000, totalChars: 200_000, messages: 200 } as const;

const textPart = z.strictObject({ type: z.literal("text"), text: z.string().max(CHAT_LIMITS.messageChars) });
const chatMessage = z
  .strictObject({
    role: z.enum(["system", "user", "assistant"]).describe("tool and developer turns are not taken"),
    content: z
      .union([z.string().max(CHAT_LIMITS.messageChars), z.array(textPart).min(1).max(50)])
      .transform((c) => (typeof c === "string" ? c : c.map((p) => p.text).join("\n")))
      .describe("text, or OpenAI text parts (joined by line breaks)"),
    name: z.string().min(1).max(128).optional(),
  })
  .refine((m) => m.content.trim().length > 0, { path: ["content"], message: "must not be blank" });

export const chatBody = z
  .strictObject({
    model: z.string().min(1).max(200).optional().describe("the node's model; default: the bridge's first"),
    messages: z.array(chatMessage).min(1).max(CHAT_LIMITS.messages),
    stream: z.boolean().default(false).describe("answer as server-sent events: chat.completion.chunk objects, then data: [DONE]"),
    max_tokens: z.number().int().min(1).max(32_768).optional(),
    temperature: z.number().min(0).max(2).optional(),
    user_id: scopeIdSchema.optional().describe("whose memories and activation block; the cube is user:<user_id> unless cube_id is given"),
    cube_id: cubeIdSchema.optional(),
    session_id: scopeIdSchema.optional().describe("the session the turn is recorded into; its working memory goes into the prompt"),
    infer: z.boolean().default(true).describe("queue extraction of memories from the turn"),
    top_k: z.number().int().min(1).max(50).default(8).describe("memories retrieved for the conversation"),
    token_budget: z.number().int().min(64).max(16_000).default(800).describe("tokens of retrieved memories and working memory together"),
  })
  .refine((b) => b.user_id !== undefined || b.cube_id !== undefined, { path: ["user_id"], message: "give user_id or cube_id" })
  .refine((b) => b.messages.reduce((s, m) => s + m.content.length, 0) <= CHAT_LIMITS.totalChars, { path: ["messages"], message: `more than ${CHAT_LIMITS.totalChars} characters in all` });
export type ChatBody = z.output<typeof chatBody>;

const memosSchema = z
  .object({
    cube_id: z.string(),
    session_id: z.string().nullable(),
    block_id: z.string().nullable().describe("the activation block registered on the bridge that opened the prompt; null: the block text was sent inline (not registered yet) or there was none"),
    cache_hit: z.boolean().describe("the node served the block's share of the prompt from its KV cache (from its cached tokens)"),
    cached_tokens: z.number().int().nullable().describe("prompt tokens the node reported as cached; null when it does not report them"),
    adapter: z.string().nullable().describe("the LoRA adapter used (none yet)"),
    memory_ids: z.array(z.string()).describe("memories retrieved for this turn"),
    job_id: z.string().nullable().describe("the job that recorded the turn (and, with infer, extracts from it)"),
    tokens: z.object({ block: z.number().int(), memories: z.number().int(), working_memory: z.number().int(), conversation: z.number().int(), completion: z.number().int() }).describe("tokens of each part (cl100k; completion as the node counted it)"),
  })
  .describe("memos-edge's own report of the turn");

const usageSchema = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int(), prompt_tokens_details: z.object({ cached_tokens: z.number().int() }) });

const completionSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.object({ index: z.number().int(), message: z.object({ role: z.literal("assistant"), content: z.string() }), finish_reason: z.string().nullable() })),
  usage: usageSchema,
  memos: memosSchema,
});

function completion(a: ChatAnswer): z.infer<typeof completionSchema> {
  return { id: a.id, object: "chat.completion", created: a.created, model: a.model, choices: [{ index: 0, message: { role: "assistant", content: a.text }, finish_reason: a.finish_reason }], usage: a.usage, memos: a.memos };
}

/**
 * Idempotency-Key: a JSON answer is kept and replayed (D1, as the other writes); a stream is not
 * replayed, but its retry records nothing new (the turn carries the key into the cube).
 */
export const chatIdempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "POST" || c.req.header("idempotency-key") === undefined) return next();
  let streamed = false;
  try {
    streamed = (JSON.parse(await bodyText(c)) as { stream?: unknown }).stream === true;
  } catch {
    streamed = false;
  }
  return streamed ? next() : tenantIdempotency(c, next);
};

const chatRoute = defineRoute({
  method: "post",
  path: "/",
  tags: ["chat"],
  scope: "memories:write",
  summary: "Chat with memory: retrieved memories and the user's activation block (KV cache on the GPU node) before the conversation; OpenAI chat-completions shaped, JSON or SSE; the turn is recorded into the session",
  request: { body: jsonContent(chatBody) },
  responses: {
    200: {
      description: "The completion (JSON), or with stream: true server-sent events: `data: {chat.completion.chunk}` … a last chunk with usage and memos, then `data: [DONE]`",
      content: { "application/json": { schema: completionSchema }, "text/event-stream": { schema: z.string() } },
    },
  },
});

chat.openapi(chatRoute, async (c) => {
  const body = c.req.valid("json");
  const prepared = await prepareChat(c.get("deps"), c.env, c.get("auth"), body, await cubeIdempotency(c, body), c.get("requestId"));
  if (!body.stream) return c.json(completion(await prepared.run()), 200);

  const id = `chatcmpl-${newId("req").slice(4)}`;
  const created = Math.floor(Date.now() / 1000);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const enc = new TextEncoder();
  const send = (data: unknown) => void writer.write(enc.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`)).catch(() => undefined);
  let model = body.model ?? "";
  const chunk = (delta: Record<string, string>, finish: string | null) => ({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  let opened = false;
  let open!: () => void;
  const first = new Promise<void>((r) => (open = r));
  const running = prepared.run((text) => {
    if (!opened) {
      opened = true;
      send(chunk({ role: "assistant", content: "" }, null));
      open();
    }
    send(chunk({ content: text }, null));
  });
  // Nothing streamed yet: a failure here is the answer's own status (503, 4xx), and nothing was recorded.
  await Promise.race([first, running]);
  void running
    .then((a) => {
      model = a.model;
      if (!opened) send(chunk({ role: "assistant", content: "" }, null));
      send(chunk({}, a.finish_reason));
      send({ id, object: "chat.completion.chunk", created, model, choices: [], usage: a.usage, memos: a.memos });
    })
    .catch((err: unknown) => {
      const e = err instanceof ApiError ? { code: err.code, message: err.message } : { code: "internal", message: "the chat failed" };
      send({ error: e });
    })
    .finally(() => {
      send("[DONE]");
      void writer.close().catch(() => undefined);
    });
  return new Response(readable, { status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } }) as never;
});
