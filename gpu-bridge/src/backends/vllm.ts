// vLLM (and vLLM-compatible stacks such as vLLM-Ascend): automatic prefix caching, runtime LoRA.
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";
import { requestText, UpstreamStatusError } from "./http.js";
import { streamChat, warmByChat } from "./openai-chat.js";
import { requireOp, SERVER_LRU, withPrefix } from "./types.js";
import type { AdapterRef, Capabilities, GenerateDone, GenerateInput, InferenceBackend, Operation, PrefixBlock, WarmResult } from "./types.js";

const OPS: ReadonlySet<Operation> = new Set(["generate", "prefix_warm", "lora_runtime"]);

/**
 * vLLM keeps KV blocks of recent prompts and reuses them for any prompt with the same prefix
 * (`--enable-prefix-caching`, on by default in V1). Warming a block is therefore one request
 * whose prompt is the block's prefix and that generates a single token. There is no API to drop
 * or pin one prefix (`/reset_prefix_cache`, served only with VLLM_SERVER_DEV_MODE, drops them
 * all): released blocks age out of vLLM's own LRU, and pinning is refused. Runtime LoRA needs
 * VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, otherwise the load and unload routes do not exist.
 */
export class VllmBackend implements InferenceBackend {
  readonly kind = "vllm" as const;
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
    // Nothing to call ("forget"): vLLM evicts unused prefix blocks itself.
  }

  async generate(input: GenerateInput, onDelta: (text: string) => void): Promise<GenerateDone> {
    requireOp(this, "generate");
    for (const b of input.blocks) if (b.text === null) requireOp(this, "token_prefix");
    // vLLM selects a LoRA adapter by naming it as the model.
    return streamChat(
      this.node,
      {
        model: input.adapter ? input.adapter.name : input.model,
        messages: withPrefix(input.blocks, input.messages),
        max_tokens: input.maxTokens,
        temperature: input.temperature,
      },
      this.timeoutMs,
      input.cancel,
      onDelta,
    );
  }

  async loadAdapter(a: AdapterRef): Promise<void> {
    requireOp(this, "lora_runtime");
    try {
      await requestText(this.node, "/v1/load_lora_adapter", {
        json: { lora_name: a.name, lora_path: a.source },
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      if (!(err instanceof UpstreamStatusError)) throw err;
      if (isRouteMissing(err)) throw runtimeLoraDisabled(this.node.id);
      // Loading twice is not an error for the bridge: the adapter is where it should be.
      if (err.upstreamStatus === 400 && /already been loaded/i.test(err.body)) return;
      if (err.upstreamStatus === 404) {
        throw new BridgeError("not_found", `node ${this.node.id} found no adapter at ${a.source}`, err.details);
      }
      throw err;
    }
  }

  async unloadAdapter(a: AdapterRef): Promise<void> {
    requireOp(this, "lora_runtime");
    try {
      await requestText(this.node, "/v1/unload_lora_adapter", { json: { lora_name: a.name }, timeoutMs: this.timeoutMs });
    } catch (err) {
      if (!(err instanceof UpstreamStatusError)) throw err;
      if (isRouteMissing(err)) throw runtimeLoraDisabled(this.node.id);
      // Already gone (for instance vLLM restarted): unloaded is the state we wanted.
      if (err.upstreamStatus === 404) return;
      throw err;
    }
  }
}

/** FastAPI answers an unknown route with 404 {"detail":"Not Found"}. */
export function isRouteMissing(err: UpstreamStatusError): boolean {
  return (err.upstreamStatus === 404 || err.upstreamStatus === 405) && /"detail"\s*:\s*"(Not Found|Method Not Allowed)"/.test(err.body);
}

function runtimeLoraDisabled(nodeId: string): BridgeError {
  return new BridgeError(
    "unsupported_operation",
    `node ${nodeId} has no runtime LoRA routes; start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`,
    { node: nodeId, operation: "lora_runtime" },
  );
}
