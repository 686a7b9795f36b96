// Shared OpenAI-compatible chat behaviour of the vLLM and SGLang stand-ins, with a prefix cache.
import type { ServerResponse } from "node:http";
import { json, sleep, sseData, sseStart, tokensOf } from "./server.js";
import type { StandinRequest } from "./server.js";

export interface ChatKnobs {
  /** Words of every answer. */
  words: string[];
  /** Report usage.prompt_tokens_details.cached_tokens (vLLM --enable-prompt-tokens-details). */
  reportCached: boolean;
  /** Delay before the first chunk (ms). */
  firstChunkDelayMs: number;
  /** Close the socket after this many content chunks, without [DONE]. */
  dieAfterChunks: number | null;
}

interface Msg {
  role: string;
  content: string;
}

/** vLLM's KV block: prefix caching hashes and reuses whole blocks of this many tokens. */
export const KV_BLOCK_TOKENS = 16;
/** The stand-ins count a token per four characters (`tokensOf`): one block is this many characters. */
const BLOCK_CHARS = KV_BLOCK_TOKENS * 4;

export interface PrefixCacheOptions {
  /** KV bytes the cache may hold; unset: unbounded (every prompt is kept). */
  budgetBytes?: number;
  /** KV bytes of one token (the bridge's `kv_bytes_per_token` for the node). */
  kvBytesPerToken?: number;
}

/**
 * vLLM's automatic prefix cache, modelled: a prompt is cut into full 16-token blocks, each keyed
 * by itself and everything before it; a request's cached tokens are its leading blocks found in
 * the cache (reported as `usage.prompt_tokens_details.cached_tokens`). After the request its
 * blocks stay cached and are evicted least recently used first when the byte budget is full; as
 * in vLLM, a request's blocks are freed tail first, so its prefix outlives its suffix.
 */
export class PrefixCache {
  /** Prompts seen so far, in order (what the tests read back). */
  readonly prompts: string[] = [];
  /** Block key → true, in LRU order (first: next to evict). */
  private readonly blocks = new Map<string, true>();
  private readonly capacity: number;
  /** Totals since the last `resetStats`: prompt tokens, of which cached, and requests. */
  stats = { requests: 0, prompt_tokens: 0, cached_tokens: 0 };

  constructor(opts: PrefixCacheOptions = {}) {
    this.capacity = opts.budgetBytes === undefined ? Number.POSITIVE_INFINITY : Math.floor(opts.budgetBytes / ((opts.kvBytesPerToken ?? 1) * KV_BLOCK_TOKENS));
  }

  /** Cached tokens of a prompt, which is then cached in its turn. */
  lookup(prompt: string): number {
    this.prompts.push(prompt);
    const keys: string[] = [];
    let chain = "";
    for (let at = 0; at + BLOCK_CHARS <= prompt.length; at += BLOCK_CHARS) {
      chain = hashChain(chain, prompt.slice(at, at + BLOCK_CHARS));
      keys.push(chain);
    }
    let hit = 0;
    while (hit < keys.length && this.blocks.has(keys[hit] as string)) hit++;
    // Touched tail first, prefix last: the prefix is the most recently used, evicted last.
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      this.blocks.delete(k);
      this.blocks.set(k, true);
    }
    while (this.blocks.size > this.capacity) {
      const oldest = this.blocks.keys().next().value as string;
      this.blocks.delete(oldest);
    }
    const cached = hit * KV_BLOCK_TOKENS;
    this.stats.requests++;
    this.stats.prompt_tokens += Math.ceil(prompt.length / 4);
    this.stats.cached_tokens += cached;
    return cached;
  }

  /** Blocks held now, and the most it may hold. */
  size(): { blocks: number; capacity: number } {
    return { blocks: this.blocks.size, capacity: this.capacity };
  }

  resetStats(): void {
    this.stats = { requests: 0, prompt_tokens: 0, cached_tokens: 0 };
  }

  clear(): void {
    this.prompts.length = 0;
    this.blocks.clear();
    this.resetStats();
  }
}

/** A block's key from its predecessor's and its own text (FNV-1a, 2 × 32 bits: collisions are out of reach here). */
function hashChain(prev: string, text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ prev.length;
  const s = prev + "|" + text;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(36) + b.toString(36);
}

export function render(messages: Msg[]): string {
  return messages.map((m) => `<|${m.role}|>${m.content}<|end|>`).join("") + "<|assistant|>";
}

export function openAiError(res: ServerResponse, status: number, type: string, message: string): void {
  json(res, status, { error: { message, type, param: null, code: status } });
}

/** Handles POST /v1/chat/completions for a model the caller already resolved. */
export async function chatCompletion(
  req: StandinRequest,
  res: ServerResponse,
  model: string,
  cache: PrefixCache,
  knobs: ChatKnobs,
): Promise<void> {
  const body = req.body as { messages?: Msg[]; max_tokens?: number; stream?: boolean; stream_options?: { include_usage?: boolean } };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return openAiError(res, 400, "BadRequestError", "messages: field required");
  }
  const prompt = render(body.messages);
  const cached = cache.lookup(prompt);
  const words = knobs.words.slice(0, Math.max(1, body.max_tokens ?? knobs.words.length));
  const finish = words.length < knobs.words.length ? "length" : "stop";
  const usage = {
    prompt_tokens: tokensOf(prompt),
    completion_tokens: words.length,
    total_tokens: tokensOf(prompt) + words.length,
    ...(knobs.reportCached ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
  const id = `chatcmpl-${Math.random().toString(16).slice(2)}`;
  const created = Math.floor(Date.now() / 1000);
  if (knobs.firstChunkDelayMs) await sleep(knobs.firstChunkDelayMs);
  if (!body.stream) {
    return json(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: words.join("") }, logprobs: null, finish_reason: finish }],
      usage,
    });
  }
  const chunk = (delta: Record<string, string>, finish_reason: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
  });
  sseStart(res);
  sseData(res, chunk({ role: "assistant", content: "" }, null));
  let sent = 0;
  for (const w of words) {
    if (knobs.dieAfterChunks !== null && sent >= knobs.dieAfterChunks) {
      // Let what was written reach the client first: a crash after partial output.
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    sseData(res, chunk({ content: w }, null));
    sent++;
    await sleep(0);
  }
  sseData(res, chunk({}, finish));
  if (body.stream_options?.include_usage) sseData(res, { id, object: "chat.completion.chunk", created, model, choices: [], usage });
  sseData(res, "[DONE]");
  res.end();
}
