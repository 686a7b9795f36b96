// SGLang: RadixAttention prefix reuse that SGLang alone evicts, runtime LoRA through /load_lora_adapter.
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";
import { requestJson, UpstreamStatusError } from "./http.js";
import { streamChat, warmByChat } from "./openai-chat.js";
import { requireOp, SERVER_LRU, withPrefix } from "./types.js";
import type { AdapterRef, Capabilities, GenerateDone, GenerateInput, InferenceBackend, Operation, PrefixBlock, WarmResult } from "./types.js";
import { isRouteMissing } from "./vllm.js";

const OPS: ReadonlySet<Operation> = new Set(["generate", "prefix_warm", "lora_runtime"]);

interface LoraResult {
  success?: boolean;
  error_message?: string | null;
}

/**
 * SGLang's radix tree keeps every computed prefix until memory pressure evicts it (LRU), so
 * warming is one short request with the prefix. It can neither drop nor pin a single prefix:
 * `/flush_cache` resets the whole tree, every other block and every other client's prefixes
 * with it, so releasing a block sends nothing and SGLang's LRU reclaims the memory; pinning is
 * refused. Generation uses the OpenAI-compatible chat route with SGLang's `lora_path` extension
 * naming a loaded adapter.
 */
export class SglangBackend implements InferenceBackend {
  readonly kind = "sglang" as const;
  readonly operations: ReadonlySet<Operation> = OPS;
  readonly capabilities: Readonly<Capabilities> = SERVER_LRU;

  constructor(
    readonly node: NodeConfig,
    private readonly timeoutMs: number,
  ) {}

  async warm(block: PrefixBlock, model: string): Promise<WarmResult> {
    requireOp(this, "prefix_warm");
    if (block.text === null) requireOp(this, "token_prefix");
    return warmByChat(this.node, block, model, this.timeoutMs);
  }

  async release(): Promise<void> {
    // Nothing to call ("forget"): a flush would drop every prefix, not this one.
  }

  async generate(input: GenerateInput, onDelta: (text: string) => void): Promise<GenerateDone> {
    requireOp(this, "generate");
    for (const b of input.blocks) if (b.text === null) requireOp(this, "token_prefix");
    return streamChat(
      this.node,
      {
        model: input.model,
        messages: withPrefix(input.blocks, input.messages),
        max_tokens: input.maxTokens,
        temperature: input.temperature,
        ...(input.adapter ? { lora_path: input.adapter.name } : {}),
      },
      this.timeoutMs,
      input.cancel,
      onDelta,
    );
  }

  async loadAdapter(a: AdapterRef): Promise<void> {
    await this.loraCall("/load_lora_adapter", { lora_name: a.name, lora_path: a.source }, a, "load");
  }

  async unloadAdapter(a: AdapterRef): Promise<void> {
    await this.loraCall("/unload_lora_adapter", { lora_name: a.name }, a, "unload");
  }

  private async loraCall(path: string, json: Record<string, string>, a: AdapterRef, what: "load" | "unload"): Promise<void> {
    requireOp(this, "lora_runtime");
    try {
      const body = (await requestJson(this.node, path, { json, timeoutMs: this.timeoutMs })) as LoraResult;
      if (body.success === false) throw this.loraFailed(what, a, body.error_message ?? "unknown error");
    } catch (err) {
      if (!(err instanceof UpstreamStatusError)) throw err;
      if (isRouteMissing(err)) {
        throw new BridgeError("unsupported_operation", `node ${this.node.id} has no runtime LoRA routes; start SGLang with --enable-lora`, {
          node: this.node.id,
          operation: "lora_runtime",
        });
      }
      let msg = err.body;
      try {
        msg = (JSON.parse(err.body) as LoraResult).error_message ?? err.body;
      } catch {
        // keep the raw body
      }
      // Idempotent like the vLLM adapter: loading a loaded one or unloading a missing one is done.
      if (what === "load" && /already (been )?loaded|already exists/i.test(msg)) return;
      if (what === "unload" && /not (been )?loaded|not found|cannot be found|does not exist/i.test(msg)) return;
      throw this.loraFailed(what, a, msg);
    }
  }

  private loraFailed(what: string, a: AdapterRef, message: string): BridgeError {
    return new BridgeError("upstream_error", `node ${this.node.id} could not ${what} adapter ${a.name}: ${message}`, {
      node: this.node.id,
      message,
    });
  }
}
