// Shared OpenAI-compatible chat behaviour of the vLLM and SGLang stand-ins, with a prefix cache.
import type { ServerResponse } from "node:http";
import { commonPrefix, json, sleep, sseData, sseStart, tokensOf } from "./server.js";
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

/** Prompts seen so far; a new prompt's cached tokens are its longest prefix shared with one, in 16-token blocks. */
export class PrefixCache {
  readonly prompts: string[] = [];
  lookup(prompt: string): number {
    let best = 0;
    for (const p of this.prompts) best = Math.max(best, commonPrefix(p, prompt));
    this.prompts.push(prompt);
    return Math.floor(Math.floor(best / 4) / 16) * 16;
  }
  clear(): void {
    this.prompts.length = 0;
  }
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
