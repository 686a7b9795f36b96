// POST /v1/chat: memories retrieved for the conversation, the user's activation block first, the
// bridge's generation (streamed or whole), and the turn recorded into the session.
import { ApiError } from "../errors";
import { bridgeClientFromEnv, type BridgeEnv, type GenerateOutcome } from "../bridge/client";
import type { Idempotency } from "../memory/cube-contract";
import { LIMITS } from "../memory/cube-contract";
import { newId } from "../lib/ids";
import { blockCacheHit, partTokens, promptMessages, type ChatTurn } from "../memory/activation/chat-prompt";
import { countTokens } from "../memory/retrieval/packing";
import { contextBody, type SearchBody } from "../api/schemas";
import { reachWrite, type Principal } from "./access";
import { unwrap } from "./cubes";
import type { Deps } from "./deps";
import { runSearch } from "./search";
import { desensitizeForBridge } from "./bridge-texts";
import { workingMemoryIn } from "./working-memory";
import { renderWorkingMemory } from "../memory/working-memory";
import { chatAdapter } from "./chat-adapter";

export interface ChatInput {
  model?: string | undefined;
  messages: ChatTurn[];
  stream: boolean;
  max_tokens?: number | undefined;
  temperature?: number | undefined;
  user_id?: string | undefined;
  cube_id?: string | undefined;
  session_id?: string | undefined;
  infer: boolean;
  top_k: number;
  token_budget: number;
}

export interface ChatMemos {
  cube_id: string;
  session_id: string | null;
  block_id: string | null;
  cache_hit: boolean;
  cached_tokens: number | null;
  adapter: string | null;
  memory_ids: string[];
  job_id: string | null;
  tokens: { block: number; memories: number; working_memory: number; conversation: number; completion: number };
}

export interface ChatAnswer {
  id: string;
  created: number;
  model: string;
  text: string;
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  memos: ChatMemos;
}

/** Characters of one recorded turn (a memory or message holds at most this many). */
const TURN_CHARS = LIMITS.textChars;

export interface PreparedChat {
  /** Runs the generation (tokens to `onToken`), records the turn, answers the whole. */
  run(onToken?: (text: string) => void): Promise<ChatAnswer>;
}

/**
 * Checks access and the bridge before anything is read or written, retrieves, and builds the
 * prompt; the returned `run` generates and records. Without a bridge: 503, nothing recorded.
 */
export async function prepareChat(deps: Deps, env: BridgeEnv, who: Principal, input: ChatInput, idem: Idempotency | undefined, requestId: string | undefined): Promise<PreparedChat> {
  const last = input.messages[input.messages.length - 1];
  if (!last || last.role !== "user") throw new ApiError("invalid_request", "the last message must be the user's", [{ path: "messages", message: "end with a user message" }]);
  if (last.content.length > TURN_CHARS) throw new ApiError("invalid_request", `the user's message is longer than ${TURN_CHARS} characters`, [{ path: `messages.${input.messages.length - 1}.content`, message: "too long" }]);
  const target = await reachWrite(deps, who, { user_id: input.user_id, cube_id: input.cube_id });
  const client = bridgeClientFromEnv(env);
  if (!client) throw new ApiError("upstream_unavailable", "chat needs the GPU bridge, which is not configured on this deployment (BRIDGE_URL, BRIDGE_SECRET); the rest of the API works without it");
  const { identity } = target;
  const cube = deps.cube(identity);

  // Retrieval for the conversation: the last user turn is the query, over every session's memories;
  // the session's own recent turns come as working memory, within half the budget.
  const wmBudget = input.session_id !== undefined ? Math.floor(input.token_budget / 2) : 0;
  const working = input.session_id !== undefined ? workingMemoryIn(deps, target, input.session_id, input.user_id, wmBudget) : null;
  working?.catch(() => undefined);
  const search: SearchBody = contextBody.parse({
    query: last.content.slice(0, LIMITS.queryChars),
    cube_id: identity.cube_id,
    ...(input.user_id !== undefined ? { user_id: input.user_id } : {}),
    top_k: input.top_k,
    budget_tokens: input.token_budget - wmBudget,
  }) as SearchBody;
  const found = await runSearch(deps, who, search, true);
  const wm = working ? await working : null;
  const wmText = wm && wm.turns.length + wm.summary.length > 0 ? renderWorkingMemory(wm) : "";
  const memoriesText = found.results.length ? (found.packed?.context ?? "") : "";
  const prefix = target.visible_agents === null ? unwrap(await cube.chatPrefix(identity, input.user_id ?? null)) : { text: "", tokens: 0, block_id: null, memory_ids: [], heat: 0 };
  // The conversation as the node may see it: personal data masked with the cube's vault, as stored memories are.
  const masked = await desensitizeForBridge(cube, identity, input.messages.map((m) => m.content));
  const conversation = input.messages.map((m, i) => ({ role: m.role, content: masked[i] ?? m.content }));
  const parts = { block: prefix.text, block_registered: prefix.block_id !== null, context: [wmText, memoriesText].filter(Boolean).join("\n"), conversation };
  const tokens = partTokens(parts, wmText ? countTokens(wmText) : 0);
  const messages = promptMessages(parts);
  const ourPromptTokens = messages.reduce((s, m) => s + countTokens(m.content), 0) + (prefix.block_id ? tokens.block : 0);
  const scope = { tenant_id: identity.tenant_id, cube_id: identity.cube_id, request_id: requestId };
  // Parameter memory: the user's distilled adapter, when one is attached and current (memos.adapter reports it).
  const adapter = await chatAdapter(cube, identity, client, scope, { user_id: input.user_id ?? null, model: input.model, whole_cube: target.visible_agents === null });

  return {
    async run(onToken) {
      const options = {
        ...(input.model !== undefined ? { model: input.model } : adapter ? { model: adapter.base_model } : {}),
        ...(adapter ? { adapter: adapter.name } : {}),
        ...(input.max_tokens !== undefined ? { max_tokens: input.max_tokens } : {}),
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      };
      let blockId = prefix.block_id;
      let gen: GenerateOutcome;
      try {
        gen = await client.generate(scope, { messages, ...(blockId ? { block_ids: [blockId], heat: prefix.heat } : {}), ...options }, onToken);
      } catch (err) {
        // The bridge evicted the block to make room for another cube's (its ranking across cubes) before
        // the activation task saw it: the same bytes go inline, the node's cache may still hold them.
        if (!blockId || !(err instanceof ApiError) || err.code !== "not_found") throw err;
        blockId = null;
        gen = await client.generate(scope, { messages: promptMessages({ ...parts, block_registered: false }), ...options }, onToken);
      }
      const job = await recordTurn(deps, target, input, last.content, gen.text, idem);
      const usage = gen.summary.usage;
      const completion = usage.completion_tokens ?? countTokens(gen.text);
      const prompt = usage.prompt_tokens ?? ourPromptTokens;
      return {
        id: `chatcmpl-${newId("req", Date.now()).slice(4)}`,
        created: Math.floor(Date.now() / 1000),
        model: gen.start.model,
        text: gen.text,
        finish_reason: gen.summary.finish_reason,
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 } },
        memos: {
          cube_id: identity.cube_id,
          session_id: input.session_id ?? null,
          block_id: blockId,
          cache_hit: blockCacheHit(usage.cached_tokens, usage.prompt_tokens, tokens.block, ourPromptTokens),
          cached_tokens: usage.cached_tokens,
          adapter: gen.start.adapter,
          memory_ids: found.results.map((r) => r.memory.id),
          job_id: job,
          tokens: { ...tokens, completion },
        },
      };
    },
  };
}

/**
 * The user's turn and the answer, stored as the session's raw messages (working memory reads
 * them). With `infer` an extraction job is queued for them; without, the job is closed at once
 * with nothing extracted. A retry with the same Idempotency-Key records nothing new.
 */
async function recordTurn(deps: Deps, target: Awaited<ReturnType<typeof reachWrite>>, input: ChatInput, user: string, answer: string, idem: Idempotency | undefined): Promise<string> {
  const { identity } = target;
  const cube = deps.cube(identity);
  const now = Date.now();
  const scope = { user_id: input.user_id ?? null, agent_id: null, session_id: input.session_id ?? null };
  const jobId = newId("job", now);
  await deps.jobs.register(identity, jobId);
  const turns = [
    { ...scope, role: "user" as const, name: null, content: user, timestamp: now },
    ...(answer.trim() ? [{ ...scope, role: "assistant" as const, name: null, content: answer.slice(0, TURN_CHARS), timestamp: now + 1 }] : []),
  ];
  const added = await cube.addMessages({ identity, job_id: jobId, mode: "fast", options: { ...scope, tags: [], metadata: { source: "chat" } }, messages: turns, idempotency: idem });
  if (!added.ok || added.value.job.id !== jobId) await deps.jobs.unregister(identity, jobId);
  const { job } = unwrap(added);
  await target.register();
  if (job.id !== jobId) return job.id;
  if (input.infer) await deps.jobs.enqueue({ kind: "extract", job_id: job.id, identity });
  else unwrap(await cube.completeJob({ identity, job_id: job.id, embedder: deps.embedder.id, items: [], detail: { extractor: "none", reason: "chat turn recorded with infer false" } }));
  return job.id;
}
