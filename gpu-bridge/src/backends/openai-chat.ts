// What the vLLM and SGLang adapters share: OpenAI-compatible /v1/chat/completions (streamed
// generation, the prefix warm) and automatic prefix caching that the server alone evicts.
import type { Usage } from "@memos-edge/bridge-protocol";
import type { Cancel } from "../cancel.js";
import type { BackendKind, NodeConfig } from "../config.js";
import { BridgeError } from "../errors.js";
import { requestJson, streamEvents } from "./http.js";
import type { UpstreamStatusError } from "./http.js";
import { prefixText, requireOp, SERVER_LRU, withPrefix } from "./types.js";
import type { AdapterRef, Capabilities, GenerateDone, GenerateInput, InferenceBackend, Operation, PrefixBlock, WarmResult } from "./types.js";

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
async function streamChat(
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
 * one request whose prompt is the block's prefix and that generates a single token. The server
 * renders it with the model's chat template, as it renders a generation whose system message
 * starts with the same text (`withPrefix`), so both token sequences share the block's tokens.
 */
async function warmByChat(node: NodeConfig, block: PrefixBlock, model: string, timeoutMs: number): Promise<WarmResult> {
  const body = (await requestJson(node, "/v1/chat/completions", {
    json: { model, messages: [{ role: "system", content: prefixText([block]) }], max_tokens: 1, temperature: 0, stream: false },
    timeoutMs,
  })) as { usage?: { prompt_tokens?: number } };
  return { tokens: body.usage?.prompt_tokens ?? null, bytes: null };
}

/** FastAPI (vLLM, SGLang) answers an unknown route with 404 {"detail":"Not Found"}. */
export function isRouteMissing(err: UpstreamStatusError): boolean {
  return (err.upstreamStatus === 404 || err.upstreamStatus === 405) && /"detail"\s*:\s*"(Not Found|Method Not Allowed)"/.test(err.body);
}

const OPS: ReadonlySet<Operation> = new Set(["generate", "prefix_warm", "lora_runtime"]);

/**
 * An inference server behind OpenAI-compatible chat completions with automatic prefix caching:
 * the server applies the model's chat template, tokenizes, and reuses the KV cache of any
 * prompt whose token ids start with ones it computed before. Warming a block is one short
 * request with the block's text as the system message; releasing one sends nothing (neither
 * server can drop a single prefix), and pinning is refused. Blocks are text only. Adapters
 * differ per server: how a request names one, and the routes that load and unload them.
 */
export abstract class OpenAiChatBackend implements InferenceBackend {
  abstract readonly kind: BackendKind;
  readonly operations: ReadonlySet<Operation> = OPS;
  readonly capabilities: Readonly<Capabilities> = SERVER_LRU;

  constructor(
    readonly node: NodeConfig,
    protected readonly timeoutMs: number,
  ) {}

  /** The fields of a chat request that choose its model and adapter on this server. */
  protected abstract target(model: string, adapter: AdapterRef | null): { model: string } & Record<string, string>;

  abstract loadAdapter(adapter: AdapterRef): Promise<void>;
  abstract unloadAdapter(adapter: AdapterRef): Promise<void>;

  async warm(block: PrefixBlock, model: string): Promise<WarmResult> {
    requireOp(this, "prefix_warm");
    if (block.text === null) requireOp(this, "token_prefix");
    return warmByChat(this.node, block, model, this.timeoutMs);
  }

  async release(): Promise<void> {
    // Nothing to call ("forget"): the server's LRU frees the block; a flush would drop every prefix.
  }

  async generate(input: GenerateInput, onDelta: (text: string) => void): Promise<GenerateDone> {
    requireOp(this, "generate");
    for (const b of input.blocks) if (b.text === null) requireOp(this, "token_prefix");
    const { model, ...choice } = this.target(input.model, input.adapter);
    const body = { model, messages: withPrefix(input.blocks, input.messages), max_tokens: input.maxTokens, temperature: input.temperature, ...choice };
    return streamChat(this.node, body, this.timeoutMs, input.cancel, onDelta);
  }
}
