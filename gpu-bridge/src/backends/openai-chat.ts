// Streaming OpenAI-compatible /v1/chat/completions, shared by the vLLM and SGLang adapters.
import type { Usage } from "@memos-edge/bridge-protocol";
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";
import type { Cancel } from "../cancel.js";
import { requestJson, streamEvents } from "./http.js";
import { prefixText } from "./types.js";
import type { GenerateDone, PrefixBlock, WarmResult } from "./types.js";

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
 * Posts a streaming chat request and hands each piece of text to `onDelta` as it arrives. The
 * stream must end with `data: [DONE]`; a stream that stops without it failed, even if the
 * socket closed cleanly.
 */
export async function streamChat(
  node: NodeConfig,
  body: Record<string, unknown>,
  timeoutMs: number,
  cancel: Cancel,
  onDelta: (text: string) => void,
): Promise<GenerateDone> {
  let finish: string | null = null;
  let usage: Usage = { prompt_tokens: null, completion_tokens: null, cached_tokens: null };
  let sawDone = false;
  const json = { ...body, stream: true, stream_options: { include_usage: true } };
  await streamEvents(node, "/v1/chat/completions", { json, timeoutMs, cancel }, (data) => {
    // Read on to the end of the body after [DONE]: leaving early would abort the request and
    // throw away a keep-alive connection on every call.
    if (sawDone) return;
    if (data === "[DONE]") {
      sawDone = true;
      return;
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
      if (text) onDelta(text);
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  });
  if (!sawDone) throw new BridgeError("upstream_stream_failed", `stream from node ${node.id} ended before [DONE]`, { node: node.id });
  return { finish_reason: finish, usage };
}

/**
 * Warms a prefix cache (vLLM prefix caching, SGLang's radix tree) the only way either offers:
 * one request whose prompt is the block's prefix and that generates a single token.
 */
export async function warmByChat(node: NodeConfig, block: PrefixBlock, model: string, timeoutMs: number): Promise<WarmResult> {
  const body = (await requestJson(node, "/v1/chat/completions", {
    json: { model, messages: [{ role: "system", content: prefixText([block]) }], max_tokens: 1, temperature: 0, stream: false },
    timeoutMs,
  })) as { usage?: { prompt_tokens?: number } };
  return { tokens: body.usage?.prompt_tokens ?? null, bytes: null };
}
