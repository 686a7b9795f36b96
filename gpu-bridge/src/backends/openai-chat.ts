// Streaming OpenAI-compatible /v1/chat/completions, shared by the vLLM and SGLang adapters.
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";
import { readJson, sseData, upstream } from "./http.js";
import { prefixText } from "./types.js";
import type { GenerateEvent, PrefixBlock, Usage, WarmResult } from "./types.js";

interface Chunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null } | null;
  error?: { message?: string };
}

export function usageOf(u: Chunk["usage"]): Usage {
  return {
    prompt_tokens: u?.prompt_tokens ?? null,
    completion_tokens: u?.completion_tokens ?? null,
    cached_tokens: u?.prompt_tokens_details?.cached_tokens ?? null,
  };
}

/**
 * Posts a streaming chat request and turns its chunks into events. The stream must end with
 * `data: [DONE]`; a stream that stops without it failed, even if the socket closed cleanly.
 */
export async function* streamChat(
  node: NodeConfig,
  body: Record<string, unknown>,
  timeoutMs: number,
  signal: AbortSignal,
): AsyncGenerator<GenerateEvent> {
  const r = await upstream(node, "/v1/chat/completions", {
    json: { ...body, stream: true, stream_options: { include_usage: true } },
    timeoutMs,
    signal,
  });
  let finish: string | null = null;
  let usage: Usage = { prompt_tokens: null, completion_tokens: null, cached_tokens: null };
  let sawDone = false;
  for await (const data of sseData(r, node.id)) {
    // Read on to the end of the body after [DONE]: leaving early would abort the request and
    // throw away a keep-alive connection on every call.
    if (sawDone) continue;
    if (data === "[DONE]") {
      sawDone = true;
      continue;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw new BridgeError("upstream_stream_failed", `node ${node.id} sent a malformed chunk`, { node: node.id });
    }
    if (chunk.error) {
      throw new BridgeError("upstream_stream_failed", `node ${node.id}: ${chunk.error.message ?? "error in stream"}`, { node: node.id });
    }
    if (chunk.usage) usage = usageOf(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      const text = choice.delta?.content;
      if (text) yield { type: "delta", text };
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  if (!sawDone) throw new BridgeError("upstream_stream_failed", `stream from node ${node.id} ended before [DONE]`, { node: node.id });
  yield { type: "done", finish_reason: finish, usage };
}

/**
 * Warms a prefix cache (vLLM prefix caching, SGLang's radix tree) the only way either offers:
 * one request whose prompt is the block's prefix and that generates a single token.
 */
export async function warmByChat(node: NodeConfig, block: PrefixBlock, model: string, timeoutMs: number): Promise<WarmResult> {
  const r = await upstream(node, "/v1/chat/completions", {
    json: { model, messages: [{ role: "system", content: prefixText([block]) }], max_tokens: 1, temperature: 0, stream: false },
    timeoutMs,
  });
  const body = (await readJson(r)) as { usage?: { prompt_tokens?: number } };
  return { tokens: body.usage?.prompt_tokens ?? null, bytes: null };
}
