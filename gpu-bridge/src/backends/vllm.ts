// vLLM (and vLLM-compatible stacks such as vLLM-Ascend): automatic prefix caching, runtime LoRA.
import { BridgeError } from "../errors.js";
import { requestText, UpstreamStatusError } from "./http.js";
import { isRouteMissing, OpenAiChatBackend } from "./openai-chat.js";
import { requireOp } from "./types.js";
import type { AdapterRef } from "./types.js";

/**
 * vLLM keeps KV blocks of recent prompts and reuses them for any prompt with the same prefix
 * (`--enable-prefix-caching`, on by default in V1), hashing each full block of token ids after
 * the chat template was applied. There is no API to drop or pin one prefix
 * (`/reset_prefix_cache`, served only with VLLM_SERVER_DEV_MODE, drops them all): released
 * blocks age out of vLLM's own LRU. A request selects a LoRA adapter by naming it as the model;
 * runtime LoRA needs VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, otherwise the load and unload
 * routes do not exist.
 */
export class VllmBackend extends OpenAiChatBackend {
  readonly kind = "vllm" as const;

  protected target(model: string, adapter: AdapterRef | null): { model: string } {
    return { model: adapter ? adapter.name : model };
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

function runtimeLoraDisabled(nodeId: string): BridgeError {
  return new BridgeError(
    "unsupported_operation",
    `node ${nodeId} has no runtime LoRA routes; start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`,
    { node: nodeId, operation: "lora_runtime" },
  );
}
